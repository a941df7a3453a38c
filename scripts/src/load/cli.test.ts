import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { RecordingServers, runNodeScript } from '../lib/test-support';

/** The compiled load-test CLI against a stand-in voter and orders service. */

const CLI = path.join(__dirname, 'cli.js');
const stand = new RecordingServers({
  voter: () => ({ status: 200, body: { product_id: 'PROD-001', available_quantity: 5, reserved_quantity: 0, quorum: { agreed: true } } }),
  orders: () => ({ status: 202, body: { order_id: '00000000-0000-4000-8000-000000000002', status: 'PENDING' } }),
  gateway: (r) =>
    r.method === 'POST'
      ? { status: 202, body: { order_id: '00000000-0000-4000-8000-000000000003', status: 'PENDING' } }
      : { status: 200, body: { product_id: 'PROD-001', available_quantity: 5, reserved_quantity: 0, quorum: { agreed: true } } },
});

before(() => stand.start(['voter', 'orders', 'gateway']));
after(() => stand.close());
beforeEach(() => (stand.requests.length = 0));

const run = (args: string[]) => runNodeScript(CLI, args, { VOTER_URL: stand.urls.voter, ORDERS_URL: stand.urls.orders, GATEWAY_URL: stand.urls.gateway });

describe('load-test CLI', () => {
  const bad: [string[], RegExp][] = [
    [['read_everything', '--rps', '10', '--duration', '1'], /<mode>: must be one of query_inventory, create_order, mixed/],
    [['query_inventory', '--rps', '0', '--duration', '1'], /--rps: .*greater than 0/],
    [['query_inventory', '--rps', '10'], /required option '--duration <s>'/],
    [['query_inventory', '--rps', '10', '--duration', '-1'], /--duration: .*greater than 0/],
    [['mixed', '--rps', '10', '--duration', '1', '--order-share', '1.5'], /--order-share: .*less than or equal to 1/],
    [['query_inventory', '--rps', '10', '--duration', '1', '--target', '4'], /--target: must be voter or a replica/],
    [['query_inventory', '--rps', '10', '--duration', '1', '--product', 'no spaces'], /--product: letters, digits/],
    [['query_inventory', '--rps', '10', '--duration', '1', '--via', 'nginx'], /--via: must be direct or gateway/],
    [['query_inventory', '--rps', '10', '--duration', '1', '--via', 'gateway', '--target', '2'], /--via: gateway sends reads to the gateway/],
  ];
  for (const [args, message] of bad) {
    test(`refuses ${args.join(' ')} before sending anything`, async () => {
      const result = await run(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.deepEqual(stand.requests, []);
    });
  }

  test('mixed run: reads to the voter, orders to orders-svc, summary on stdout, full report in --json', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'load-cli-')), 'report.json');
    const result = await run(['mixed', '--rps', '40', '--duration', '1', '--order-share', '0.25', '--product', 'PROD-001,PROD-002', '--no-check', '--json', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(stand.requests.filter((r) => r.server === 'voter' && r.method === 'GET' && r.url.startsWith('/inventory/PROD-00')).length, 30);
    const orders = stand.requests.filter((r) => r.server === 'orders');
    assert.equal(orders.length, 10);
    assert.ok(orders.every((r) => r.method === 'POST' && r.url === '/orders'));
    assert.deepEqual(orders[0]!.body, { product_id: 'PROD-001', quantity: 1 });
    assert.match(result.stdout, /load-test mixed: 40\/s asked for 1 s/);
    assert.match(result.stdout, /requests +40 due, 40 sent, 0 dropped, 40 ok \(100\.00 %\)/);
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(report.samples.length, 40);
    assert.equal(report.by_kind.order.ok, 10);
    assert.equal(report.settings.wrong_answer_check, false);
    assert.equal(result.stderr, '', 'no progress lines when stderr is not a terminal');
  });

  test('--via gateway: reads and orders all go to gateway-svc, none straight to the services', async () => {
    const result = await run(['mixed', '--rps', '40', '--duration', '1', '--order-share', '0.25', '--no-check', '--via', 'gateway']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(stand.requests.filter((r) => r.server !== 'gateway'), []);
    assert.equal(stand.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/inventory/PROD-00')).length, 30);
    assert.equal(stand.requests.filter((r) => r.method === 'POST' && r.url === '/orders').length, 10);
    assert.match(result.stdout, /40 ok \(100\.00 %\)/);
  });
});
