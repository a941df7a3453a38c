import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_HOST } from '@ftlab/shared';

/**
 * A server that answers every request at once with a fixed voter-shaped body, run as its own
 * process by noise-floor.ts. Reading it shows what latency this machine adds by itself
 * (scheduling, the generator, loopback): no service can be measured below that floor.
 */
const body = JSON.stringify({ product_id: 'PROD-001', available_quantity: 1000, reserved_quantity: 0, quorum: { agreed: true } });

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
});
server.keepAliveTimeout = 65_000;
server.listen(0, DEFAULT_HOST, () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
