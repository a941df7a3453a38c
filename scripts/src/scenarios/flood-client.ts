import { z } from 'zod';
import { createHttpPool, productId } from '@ftlab/shared';
import { OperationRecorder, RecordingClient, type RawOperation } from '../checker/recorder';
import { nowMs } from '../load/clock';
import { paceOpenLoop } from '../load';

/**
 * The flooding client of `request-flood`, as a process of its own: `node flood-client.js
 * '<json>'` places orders through the gateway at a fixed open-loop rate and prints every answer
 * (RawOperation[]) as one JSON line on stdout. In the demo's own process the flood's hundreds of
 * answers a second would share an event loop and a connection pool with the calm client, and
 * delay it before any request reached the gateway: the flood would be measured hurting its
 * neighbour inside the client.
 */

export const floodSettings = z
  .object({
    gatewayUrl: z.string().url(),
    rps: z.number().positive().max(10_000),
    seconds: z.number().positive().max(600),
    productId,
    /** Sent as X-Client-Id. */
    clientId: z.string().min(1).max(64),
  })
  .strict();
export type FloodSettings = z.infer<typeof floodSettings>;

const failure = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['refused', 'reset', 'unreachable', 'network']), code: z.string() }),
  z.object({ kind: z.literal('timeout'), timeoutMs: z.number() }),
  z.object({ kind: z.literal('status'), status: z.number().int(), body: z.unknown() }),
  z.object({ kind: z.literal('contract'), status: z.number().int(), issue: z.string() }),
]);
const floodOperations = z.array(
  z.object({
    request: z.object({ kind: z.literal('place_order'), productId, quantity: z.number().int() }),
    invokeMs: z.number(),
    completeMs: z.number(),
    result: z.union([z.object({ ok: z.literal(true), status: z.number().int(), body: z.unknown() }), z.object({ ok: z.literal(false), failure })]),
  }),
);

/** What the flood client printed: the orders it placed, each with its answer. */
export function parseFloodOperations(line: string): RawOperation[] {
  // zod types an unknown property as optional; every answer has its (possibly empty) body.
  return floodOperations.parse(JSON.parse(line)) as RawOperation[];
}

async function main(): Promise<void> {
  const settings = floodSettings.parse(JSON.parse(process.argv[2] ?? '{}'));
  const pool = createHttpPool(512);
  const recorder = new OperationRecorder();
  const { gatewayUrl } = settings;
  const client = new RecordingClient({ pool, timeoutMs: 10_000 }, { orders: gatewayUrl, voter: gatewayUrl }, recorder, undefined, { 'x-client-id': settings.clientId });
  const sent: Promise<unknown>[] = [];
  await paceOpenLoop({
    rps: settings.rps,
    total: Math.round(settings.rps * settings.seconds),
    startMs: nowMs(),
    now: nowMs,
    dispatch: () => void sent.push(client.placeOrder(settings.productId, 1)),
  });
  await Promise.all(sent);
  await pool.close();
  process.stdout.write(`${JSON.stringify(recorder.rawOperations())}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`flood-client: ${err.message}\n`);
    process.exit(1);
  });
}
