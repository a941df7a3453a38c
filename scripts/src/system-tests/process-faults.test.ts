import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { admin, getJson, postJson, startTestSystem, waitFor, type TestSystem } from './fixture';
import { SERVICE_NAMES } from '../lib/system';

/** Faults on whole processes through the launcher's control API: kill, freeze, and their records. */

describe('process faults through the control API', { timeout: 300_000 }, () => {
  let sys: TestSystem;
  let control: string;
  before(async () => {
    sys = await startTestSystem('process_faults');
    control = sys.system.endpoints.control;
  });
  after(async () => {
    await sys?.stop();
  });

  const inject = (name: string, fault: unknown, headers: Record<string, string> = admin) => postJson(`${control}/processes/${name}/faults`, fault, headers);
  const processes = async () => (await fetch(`${control}/processes`, { headers: admin }).then((r) => r.json())) as { processes: { name: string; state: string; pid: number; restarts: number }[] };
  const statusOf = async (instance: string) => (await getJson(`${sys.url['monitor-svc']}/status`)).body.instances.find((i: { instance_id: string }) => i.instance_id === instance)?.status;

  it('refuses without the token, names a bad field, and knows its processes', async () => {
    assert.equal((await inject('inventory-2', { type: 'pause', duration_ms: 1000 }, {})).status, 401);
    assert.equal((await fetch(`${control}/processes`)).status, 401);
    const bad = await inject('inventory-2', { type: 'pause', duration_ms: -5 });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /duration_ms/);
    assert.equal((await inject('inventory-9', { type: 'pause', duration_ms: 1000 })).status, 404);
    const names = (await processes()).processes.map((p) => p.name);
    assert.deepEqual(names, [...SERVICE_NAMES], 'every service and simulator, in order');
  });

  it('a replica frozen for 5 s is marked OFF, then ON after it resumes, with the same process', async () => {
    await waitFor(async () => (await statusOf('2')) === 'ON', 30_000, 'replica 2 is ON');
    const pid = sys.system.pidOf('inventory-2');
    const injected = await inject('inventory-2', { type: 'pause', duration_ms: 5000 });
    assert.equal(injected.status, 202);
    assert.equal(injected.body.state, 'paused');
    await waitFor(async () => (await statusOf('2')) === 'OFF', 4000, 'the frozen replica is OFF');
    await waitFor(async () => (await statusOf('2')) === 'ON', 30_000, 'the resumed replica is ON again');
    assert.equal(sys.system.pidOf('inventory-2'), pid, 'a pause is not a restart');
    const { rows } = await sys.db.query<{ fault_type: string; cleared: boolean }>(
      `SELECT fault_type, cleared_at IS NOT NULL AS cleared FROM fault_injections WHERE instance_id = '2' ORDER BY id DESC LIMIT 1`,
    );
    assert.deepEqual(rows, [{ fault_type: 'pause', cleared: true }]);
    const { rows: audit } = await sys.db.query<{ fault_type: string }>(
      `SELECT f.fault_type FROM failure_audit a JOIN fault_injections f ON f.id = a.fault_id WHERE a.instance_id = '2'`,
    );
    assert.deepEqual(audit, [{ fault_type: 'pause' }], 'the OFF is attributed to the pause');
  });

  it('a frozen orders-svc: every order it accepted is decided after it resumes', async () => {
    const accepted: string[] = [];
    const posts: Promise<unknown>[] = [];
    const posting = (async () => {
      for (let i = 0; i < 100; i++) {
        posts.push(postJson(`${sys.url['orders-svc']}/orders`, { product_id: 'PROD-003', quantity: 1 }).then((r) => r.status === 202 && accepted.push(r.body.order_id)).catch(() => undefined));
        await sleep(50);
      }
    })();
    await sleep(1000);
    assert.equal((await inject('orders-svc', { type: 'pause', duration_ms: 5000 })).status, 202);
    await posting;
    await waitFor(async () => (await processes()).processes.find((p) => p.name === 'orders-svc')!.state === 'running', 15_000, 'orders-svc resumed');
    // The posts sent during the freeze wait in the socket backlog: count them only once answered.
    await Promise.all(posts);
    await waitFor(
      async () => {
        const { rows } = await sys.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND status <> 'PENDING'`, [accepted]);
        return rows[0]!.n === accepted.length;
      },
      60_000,
      'every accepted order is decided',
    );
    assert.ok(accepted.length >= 90, `orders posted during the freeze were accepted after it (${accepted.length} of 100)`);
  });

  it('a crash held down for 3 s is restarted after it, not before', async () => {
    const pid = sys.system.pidOf('voter-svc');
    const started = Date.now();
    assert.equal((await inject('voter-svc', { type: 'crash', down_for_ms: 3000 })).status, 202);
    assert.equal(sys.system.pidOf('voter-svc'), undefined);
    await waitFor(() => sys.system.pidOf('voter-svc') !== undefined, 20_000, 'voter-svc restarted');
    assert.ok(Date.now() - started >= 2900, 'it stayed down for its 3 s');
    assert.notEqual(sys.system.pidOf('voter-svc'), pid);
    await sys.system.waitHealthy('voter-svc', 30_000);
  });
});
