import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from '../load';
import { testLogDir } from '../lib/testing';
import { admin, countByStatus, getJson, postJson, startTestSystem, waitAllDecided, waitFor, type TestSystem } from './fixture';

/**
 * Only one process at a time is a given replica. Before fencing, a second inventory-1 beside the
 * first applied events to stock it had not reloaded and corrupted replica 1 for good (issue 12).
 */

const PRODUCTS = ['PROD-001', 'PROD-002', 'PROD-003'];
const LOG_DIR = 'fencing';

/** A service's log lines (JSON) written from now on, by their own time: the files are appended to across runs. */
function logFrom(service: string): () => { msg: string; time: number; self?: string }[] {
  const file = path.join(testLogDir(LOG_DIR), `${service}.log`);
  const since = Date.now();
  return () =>
    (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '')
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { msg: string; time: number; self?: string }];
        } catch {
          return [];
        }
      })
      .filter((l) => l.time >= since);
}

describe('fencing of a replica', { timeout: 600_000 }, () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem('fencing', { env: { LOG_LEVEL: 'info' } });
  });
  after(async () => {
    await sys?.stop();
  });

  const lease = async (consumer: string) =>
    (await sys.db.query<{ epoch: string; holder: string }>('SELECT epoch, holder FROM consumer_leases WHERE consumer = $1', [consumer])).rows[0]!;
  const statusOf = async (instance: string) => (await getJson(`${sys.url['monitor-svc']}/status`)).body.instances.find((i: { instance_id: string }) => i.instance_id === instance)?.status;
  const allOn = () => waitFor(async () => (await Promise.all(['1', '2', '3'].map(statusOf))).every((s) => s === 'ON'), 90_000, 'every replica is ON');

  /** Each replica's stock rows and what its reservations add up to, one line per replica. */
  const replicaRows = async () => {
    const { rows } = await sys.db.query<{ instance_id: string; rows: string }>(
      `SELECT s.instance_id, string_agg(s.product_id || ':' || s.available_quantity || '/' || s.reserved_quantity, ' ' ORDER BY s.product_id)
                || ' reservations ' || (SELECT count(*) || '/' || COALESCE(sum(quantity) FILTER (WHERE state = 'RESERVED'), 0)
                                        FROM replica_reservations r WHERE r.instance_id = s.instance_id) AS rows
       FROM replica_stock s GROUP BY s.instance_id ORDER BY s.instance_id`,
    );
    return rows;
  };
  const waitIdentical = async () => {
    let last: unknown;
    await waitFor(
      async () => {
        const rows = await replicaRows();
        last = rows;
        return rows.length === 3 && new Set(rows.map((r) => r.rows)).size === 1;
      },
      120_000,
      'the three replicas hold identical rows',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last)}`);
    });
  };
  const orderLoad = (durationS: number) => runLoad({ mode: 'create_order', rps: 50, durationS, products: PRODUCTS, endpoints: sys.system.endpoints });

  it('a duplicate of replica 1 for 10 s under 50 orders/s is fenced: it never commits, and replica 1 ends identical and ON', async (t) => {
    await allOn();
    const original = sys.system.pidOf('inventory-1');
    const before = await lease('inventory-1');
    assert.match(before.holder, new RegExp(`^pid ${original} `), 'the running replica holds the lease');

    const copyLog = logFrom('inventory-1.duplicate');
    const load = orderLoad(20);
    await sleep(3000);
    const injected = await postJson(`${sys.system.endpoints.control}/processes/inventory-1/faults`, { type: 'duplicate', duration_ms: 10_000 }, admin);
    assert.equal(injected.status, 202, JSON.stringify(injected.body));

    // The copy says so in its log, and on its own port answers /health and reads with 503.
    const fencedLine = () => copyLog().find((l) => l.msg.startsWith('fenced: '));
    await waitFor(() => fencedLine() !== undefined, 9000, 'the copy logs that it is fenced');
    const line = fencedLine()!;
    assert.doesNotMatch(line.self!, new RegExp(`^pid ${original} `), 'the fenced process is the copy');
    assert.match(line.msg, new RegExp(`held by pid ${original} `));
    const copyPort = /port (\d+)/.exec(line.self!)![1];
    const health = await getJson(`http://127.0.0.1:${copyPort}/health`);
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'fenced');
    assert.match(health.body.lease.holder, new RegExp(`^pid ${original} `));
    assert.equal((await getJson(`http://127.0.0.1:${copyPort}/inventory/PROD-001`)).status, 503, 'a fenced copy answers no read');

    const report = await load;
    const accepted = report.samples.flatMap((s) => (s.orderId ? [s.orderId] : []));
    t.diagnostic(`orders by status ${JSON.stringify(countByStatus(report.samples))}`);
    assert.ok(accepted.length >= 500, `most of the 1000 orders were accepted (${accepted.length})`);
    await waitAllDecided(sys.db, accepted, 120_000);
    await waitIdentical();

    assert.deepEqual(copyLog().filter((l) => l.msg.startsWith('lease taken')), [], 'the copy never became the replica');
    assert.deepEqual(await lease('inventory-1'), before, 'the epoch never moved: every commit was the original process');
    assert.equal(sys.system.pidOf('inventory-1'), original);
    await waitFor(async () => (await statusOf('1')) === 'ON', 30_000, 'replica 1 is ON');
  });

  it('a replica whose lock connection is dropped takes the lease again under a new epoch and reloads, without a restart', async () => {
    await allOn();
    const pid = sys.system.pidOf('inventory-2');
    const before = Number((await lease('inventory-2')).epoch);
    const load = orderLoad(10);
    await sleep(2000);
    const { rowCount } = await sys.db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ftlab:inventory-svc-2:lease'",
    );
    assert.equal(rowCount, 1, 'the lock connection was found');
    await waitFor(async () => Number((await lease('inventory-2')).epoch) === before + 1, 20_000, 'a new epoch');
    const accepted = (await load).samples.flatMap((s) => (s.orderId ? [s.orderId] : []));
    await waitAllDecided(sys.db, accepted, 120_000);
    await waitIdentical();
    assert.equal(sys.system.pidOf('inventory-2'), pid);
  });

  it('a replica whose rows disagree with its reservations rebuilds from the log when it starts', async () => {
    await waitIdentical();
    await sys.db.query("UPDATE replica_stock SET available_quantity = available_quantity - 7, reserved_quantity = reserved_quantity + 7 WHERE instance_id = '3' AND product_id = 'PROD-002'");
    const log = logFrom('inventory-3');
    assert.equal((await postJson(`${sys.system.endpoints.control}/processes/inventory-3/faults`, { type: 'crash' }, admin)).status, 202);
    await waitFor(() => log().some((l) => l.msg.includes('rebuilding it from the start of the log')), 60_000, 'replica 3 rebuilds');
    await waitIdentical();
    await waitFor(async () => (await statusOf('3')) === 'ON', 60_000, 'replica 3 is ON again');
  });
});
