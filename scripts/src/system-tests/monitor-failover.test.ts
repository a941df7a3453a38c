import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorLeadership, type MonitorLeadership, type ReplicaId } from '@ftlab/shared';
import { admin, getJson, postJson, startTestSystem, waitFor, type TestSystem } from './fixture';

/**
 * No single monitor: two monitor processes probe the replicas, the one holding the leadership lock
 * records. The leader is killed with -9 and a replica crashed 200 ms later: the other monitor takes
 * the lead, the crash is in failure_audit within a second of the injection, once, and the restarted
 * monitor follows the new leader.
 */

const MONITORS = ['monitor-svc', 'monitor-svc-2'] as const;
type MonitorName = (typeof MONITORS)[number];

let sys: TestSystem;

before(async () => {
  sys = await startTestSystem('monitor-failover', { env: { LOG_LEVEL: 'info' } });
  await oneLeader(30_000);
  await allOn();
});
after(async () => {
  await sys?.stop();
});

async function leadershipOf(name: MonitorName): Promise<MonitorLeadership> {
  const answer = await getJson(`${sys.url[name]}/status`);
  assert.equal(answer.status, 200, `${name} /status`);
  return monitorLeadership.parse(answer.body.monitor);
}

/** Waits until exactly one monitor leads, under a term above `afterTerm`, and the other names it; returns both process names. */
async function oneLeader(timeoutMs: number, afterTerm = 0): Promise<{ leader: MonitorName; follower: MonitorName; term: number }> {
  let found: { leader: MonitorName; follower: MonitorName; term: number } | undefined;
  await waitFor(
    async () => {
      const views = await Promise.all(MONITORS.map(leadershipOf));
      const leaders = views.filter((v) => v.role === 'leader');
      if (leaders.length !== 1 || leaders[0]!.term! <= afterTerm) return false;
      if (!views.every((v) => v.leader === leaders[0]!.instance && v.term === leaders[0]!.term)) return false;
      const i = views.indexOf(leaders[0]!);
      found = { leader: MONITORS[i]!, follower: MONITORS[1 - i]!, term: leaders[0]!.term! };
      return true;
    },
    timeoutMs,
    'one monitor leads and the other names it',
  );
  return found!;
}

async function recordedStatuses(): Promise<string[]> {
  const { rows } = await sys.db.query<{ status: string }>('SELECT status FROM instance_status ORDER BY instance_id');
  return rows.map((r) => r.status);
}

/** Every replica recorded ON, and ON in both monitors' own views: a crash from here is a transition for either. */
async function allOn(): Promise<void> {
  await waitFor(
    async () => {
      const views = await Promise.all(MONITORS.map(async (name) => (await getJson(`${sys.url[name]}/status`)).body.instances.map((i: { own_status: string }) => i.own_status)));
      return [await recordedStatuses(), ...views].every((statuses) => statuses.join() === 'ON,ON,ON');
    },
    60_000,
    'every replica is ON, recorded and in both monitors',
  );
}

interface AuditRow {
  id: string;
  fault_id: string | null;
  cause: string;
  detect_ms: number;
  resolved: boolean;
}

/** Every audit row of `instance` opened since the fault was injected, with detected_at − injected_at on the database's clock. */
async function auditSince(instance: ReplicaId, faultId: string): Promise<AuditRow[]> {
  const { rows } = await sys.db.query<AuditRow>(
    `SELECT a.id::text, a.fault_id::text, a.cause, extract(epoch FROM a.detected_at - f.injected_at) * 1000 AS detect_ms, a.resolved_at IS NOT NULL AS resolved
     FROM failure_audit a, fault_injections f
     WHERE f.id = $2 AND a.instance_id = $1 AND a.detected_at >= f.injected_at ORDER BY a.id`,
    [instance, faultId],
  );
  return rows.map((r) => ({ ...r, detect_ms: Number(r.detect_ms) }));
}

test('the leading monitor killed, a replica crashed 200 ms later: the other leads, detects it within 1 s and records it once', async (t) => {
  const before = await oneLeader(30_000);
  await allOn();
  const victim: ReplicaId = '2';
  const survivor = (await leadershipOf(before.follower)).instance;

  assert.ok(sys.system.kill(before.leader, 'SIGKILL'), `${before.leader} was killed`);
  const killedAt = Date.now();
  await sleep(200);
  const injected = await postJson(`${sys.url[`inventory-${victim}`]}/admin/faults`, { type: 'crash' }, admin);
  assert.ok(injected.status === 201 || injected.status === 202, JSON.stringify(injected.body));
  const faultId = String(injected.body.fault_id);

  await waitFor(async () => (await auditSince(victim, faultId)).length > 0, 15_000, 'the crash is in failure_audit').catch(async (err: Error) => {
    const views = await Promise.all(MONITORS.map((name) => getJson(`${sys.url[name]}/status`).then((r) => JSON.stringify(r.body), (e: Error) => e.message)));
    throw new Error(`${err.message}; the monitors say: ${views.join(' | ')}`);
  });
  // The killed monitor is restarted by the supervisor: it must follow, not lead, and record nothing twice.
  const after = await oneLeader(60_000, before.term);
  assert.equal(after.leader, before.follower, 'the monitor that was hot leads');
  assert.ok(after.term > before.term, `a new term: ${before.term} → ${after.term}`);
  const status = await leadershipOf(after.leader);
  assert.equal(status.leader, survivor, '/status names the new leader');
  // The database's clock against ours: one machine.
  const takeoverMs = new Date(status.leader_since!).getTime() - killedAt;
  t.diagnostic(`${survivor} took the lead ${takeoverMs} ms after the kill`);
  assert.ok(takeoverMs < 1000, `took the lead ${takeoverMs} ms after the kill`);
  assert.equal((await leadershipOf(before.leader)).leader, survivor, 'the restarted monitor names it too');

  // The crashed replica is restarted too; its recovery closes the same row.
  await waitFor(async () => (await auditSince(victim, faultId)).every((r) => r.resolved), 60_000, `inventory-${victim} is ON again`);
  const rows = await auditSince(victim, faultId);
  t.diagnostic(`leader ${before.leader} killed; crash of inventory-${victim} 200 ms later recorded by ${survivor} ${Math.round(rows[0]!.detect_ms)} ms after the injection`);
  assert.equal(rows.length, 1, `exactly one audit row for the crash: ${JSON.stringify(rows)}`);
  assert.equal(rows[0]!.fault_id, faultId, 'linked to the injected crash');
  assert.equal(rows[0]!.cause, 'crash');
  assert.ok(rows[0]!.detect_ms < 1000, `detected ${Math.round(rows[0]!.detect_ms)} ms after the crash`);
  assert.deepEqual(await recordedStatuses(), ['ON', 'ON', 'ON']);
});

test('a leader whose lock connection is cut stops leading; one monitor leads again under a new term', async (t) => {
  const before = await oneLeader(30_000);
  // What the db-flapping fault does to a connection: the server ends it.
  const { rows } = await sys.db.query<{ ended: boolean }>(
    `SELECT pg_terminate_backend(l.pid) AS ended FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objid = 4243 AND l.granted`,
  );
  assert.deepEqual(rows, [{ ended: true }], 'one connection held the leadership lock');
  const startedAt = Date.now();
  const after = await oneLeader(10_000, before.term);
  t.diagnostic(`${before.leader} lost its lock; ${after.leader} leads under term ${after.term} after ${Date.now() - startedAt} ms`);
  assert.ok(after.term > before.term, `a new term: ${before.term} → ${after.term}`);
});

test('a frozen leader (SIGSTOP through the control API) is deposed: the other leads, and the resumed one follows', async (t) => {
  const before = await oneLeader(30_000);
  const pausedAt = Date.now();
  const paused = await postJson(`${sys.system.endpoints.control}/processes/${before.leader}/faults`, { type: 'pause', duration_ms: 6000 }, admin);
  assert.equal(paused.status, 202, JSON.stringify(paused.body));
  // The frozen one cannot answer /status until it resumes: ask the other.
  await waitFor(async () => (await leadershipOf(before.follower)).role === 'leader', 15_000, `${before.follower} leads`);
  const leaderSince = new Date((await leadershipOf(before.follower)).leader_since!).getTime();
  t.diagnostic(`${before.leader} frozen; ${before.follower} took the lead ${leaderSince - pausedAt} ms later (it deposes after 3 s of silence)`);
  assert.ok(leaderSince - pausedAt < 6000, `took the lead ${leaderSince - pausedAt} ms after the freeze, before it ended`);
  const after = await oneLeader(30_000, before.term);
  assert.equal(after.leader, before.follower, 'the resumed monitor follows');
});
