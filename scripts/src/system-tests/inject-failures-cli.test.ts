import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVICE_APPLICATION_PREFIX } from '@ftlab/shared';
import { SERVICE_NAMES } from '../lib/system';
import { runNodeScript, type CliRun } from '../lib/test-support';
import { TEST_TOKEN, admin, startTestSystem, waitFor, type TestSystem } from './fixture';

/**
 * `npm run inject-failures` against a real system: the services and the two simulators under the
 * launcher's supervision and control API. The CLI runs as a child process, as
 * a person would run it, and each fault is checked by its effect, not only by the CLI's word.
 */

const CLI = path.join(__dirname, '..', 'cli', 'inject-failures.js');

describe('inject-failures on the real stack', { timeout: 300_000 }, () => {
  let sys: TestSystem;
  let env: Record<string, string> = {};

  before(async () => {
    // The whole system, the two simulators included: the launcher's stack runs and supervises them.
    sys = await startTestSystem('inject_failures_cli');
    const { endpoints } = sys.system;
    env = {
      ADMIN_TOKEN: TEST_TOKEN,
      ORDERS_URL: endpoints.orders,
      INVENTORY_1_URL: endpoints.inventory['1'],
      INVENTORY_2_URL: endpoints.inventory['2'],
      INVENTORY_3_URL: endpoints.inventory['3'],
      MONITOR_URL: endpoints.monitor,
      VOTER_URL: endpoints.voter,
      CONTROL_URL: endpoints.control,
      PAYMENT_GATEWAY_URL: sys.url['payment-gateway'],
      MAIL_SINK_URL: sys.url['mail-sink'],
    };
  });
  after(async () => {
    await sys?.stop();
  });

  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> => runNodeScript(CLI, args, { ...env, ...extra });
  async function ok(args: string[]): Promise<string> {
    const run = await cli(args);
    assert.equal(run.code, 0, `${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    return run.stdout;
  }
  const status = async (): Promise<any> => JSON.parse(await ok(['status', '--json']));
  const processState = async (name: string): Promise<string> => (await status()).processes.find((p: { name: string }) => p.name === name)?.state;

  it('status lists every supervised process, the simulators and the database', async () => {
    const text = await ok(['status']);
    for (const name of SERVICE_NAMES) {
      assert.match(text, new RegExp(`^ +${name} +running +${sys.system.pidOf(name)} +\\d+ +none$`, 'm'));
    }
    assert.match(text, /payment-gateway\n  fault: +none/);
    assert.match(text, /mail-sink\n  fault: +none\n  smtp: +listening/);
    assert.match(text, /database\n  flapping: no/);
  });

  it('pause --target inventory-2 --duration 2 freezes the same process, which then runs again', async () => {
    const pid = sys.system.pidOf('inventory-2');
    const started = Date.now();
    assert.match(await ok(['pause', '--target', 'inventory-2', '--duration', '2']), /^inventory-2: pause \(duration_ms=2000\) injected; frozen until /);
    // Straight from the control API: the CLI's status would wait on the frozen replica's own answer.
    const listed = await fetch(`${sys.system.endpoints.control}/processes`, { headers: admin }).then((r) => r.json());
    const replica = listed.processes.find((p: { name: string }) => p.name === 'inventory-2');
    assert.equal(replica.state, 'paused');
    assert.equal(replica.fault.type, 'pause');
    await waitFor(async () => (await processState('inventory-2')) === 'running', 30_000, 'inventory-2 resumed', 200);
    assert.ok(Date.now() - started >= 1900, `it stayed frozen for its 2 s (${Date.now() - started} ms)`);
    assert.equal(sys.system.pidOf('inventory-2'), pid, 'a pause is not a restart');
    await sys.system.waitHealthy('inventory-2', 30_000);
  });

  it('crash --target voter-svc --down-for 2 keeps it down for 2 s, then it is restarted', async () => {
    const pid = sys.system.pidOf('voter-svc');
    const started = Date.now();
    assert.match(await ok(['crash', '--target', 'voter-svc', '--down-for', '2']), /^voter-svc: crash \(down_for_ms=2000\) injected; held down until /);
    assert.equal(sys.system.pidOf('voter-svc'), undefined, 'killed at once');
    await waitFor(() => sys.system.pidOf('voter-svc') !== undefined, 30_000, 'voter-svc restarted', 20);
    assert.ok(Date.now() - started >= 1900, `it stayed down for its 2 s (${Date.now() - started} ms)`);
    assert.notEqual(sys.system.pidOf('voter-svc'), pid);
    await sys.system.waitHealthy('voter-svc', 30_000);
  });

  it('db-flapping --probability 0.3 --duration 2 terminates real connections and ends by itself; no service crashes', async (t) => {
    const pids = await status().then((s) => s.processes.map((p: { name: string; pid: number }) => [p.name, p.pid]));
    // The services hold N connections (LISTEN, pools); over ~4 ticks of 500 ms none is drawn with odds 0.7^(4N).
    const { rows } = await sys.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND starts_with(application_name, $1)',
      [SERVICE_APPLICATION_PREFIX],
    );
    const connections = rows[0]!.n;
    assert.match(await ok(['db-flapping', '--probability', '0.3', '--duration', '2']), /^database: flapping \(probability=0.3, duration_ms=2000\) until /);
    // Its own exit status may be 1 here: a service that lost its connection can answer 503 for a moment.
    assert.match((await cli(['status'])).stdout, /database\n  flapping: yes, until /);
    await waitFor(async () => (await status()).db_flapping.active === false, 30_000, 'the flapping ended', 200);
    const { terminated } = (await status()).db_flapping;
    const total = Object.values(terminated as Record<string, number>).reduce((a, b) => a + b, 0);
    t.diagnostic(`terminated ${total} of ${connections} service connections: ${JSON.stringify(terminated)}`);
    assert.ok(total > 0, `the server terminated some of the services' ${connections} connections: ${JSON.stringify(terminated)}`);
    assert.match(await ok(['status']), /terminated \(last run\): /);
    await sys.system.waitHealthy('all', 30_000);
    const after = await status().then((s) => s.processes.map((p: { name: string; pid: number }) => [p.name, p.pid]));
    assert.deepEqual(after, pids, 'no process died of a dropped connection');
  });

  it('payment-gateway down answers 503 until clear', async () => {
    const lookup = () => fetch(`${sys.url['payment-gateway']}/charges?idempotency_key=cli-test`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status);
    assert.equal(await lookup(), 404);
    assert.equal(await ok(['down', '--target', 'payment-gateway']), 'payment-gateway: down injected\n');
    assert.equal(await lookup(), 503);
    assert.match(await ok(['status', '--target', 'payment-gateway']), /payment-gateway\n  fault: +down/);
    assert.equal(await ok(['clear', '--target', 'payment-gateway']), 'payment-gateway: fault cleared\n');
    assert.equal(await lookup(), 404);
  });

  it('mail-sink down closes its SMTP port until clear', async () => {
    const smtp = () =>
      new Promise<string>((resolve) => {
        const socket = net.connect(sys.system.ports.mailSinkSmtp, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('open');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    assert.equal(await smtp(), 'open');
    assert.equal(await ok(['down', '--target', 'mail-sink']), 'mail-sink: down injected; smtp closed\n');
    assert.equal(await smtp(), 'ECONNREFUSED');
    assert.equal(await ok(['clear', '--target', 'mail-sink']), 'mail-sink: fault cleared; smtp listening\n');
    assert.equal(await smtp(), 'open');
  });

  it('a wrong token exits 1 saying so, and nothing is injected', async () => {
    const wrong = { ADMIN_TOKEN: 'not-the-token-0123456789abcdef' };
    const cases: [string[], RegExp][] = [
      [['pause', '--target', 'inventory-1', '--duration', '2'], /launcher control API answered POST \/processes\/inventory-1\/faults with 401: missing or wrong admin token/],
      [['db-flapping', '--probability', '0.3', '--duration', '2'], /launcher control API answered POST \/faults\/db-flapping with 401/],
      [['crash', '--instance', '1'], /inventory-1 answered POST \/admin\/faults with 401: missing or wrong admin token/],
      [['down', '--target', 'mail-sink'], /mail-sink answered POST \/admin\/faults with 401/],
      [['decline', '--target', 'payment-gateway'], /payment-gateway answered POST \/admin\/faults with 401/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args, wrong);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /the admin token is read from ADMIN_TOKEN/);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
    const now = await status();
    assert.ok(
      now.processes.every((p: { state: string; fault: unknown }) => p.state === 'running' && p.fault === null),
      JSON.stringify(now.processes),
    );
    assert.deepEqual(now.simulators.map((s: { state: { fault: unknown } }) => s.state.fault), [null, null]);
    assert.equal(now.db_flapping.active, false);
    const statusRun = await cli(['status'], wrong);
    assert.equal(statusRun.code, 1);
    assert.match(statusRun.stdout, /processes\n  unknown: launcher control API answered GET \/processes with 401/);
  });
});
