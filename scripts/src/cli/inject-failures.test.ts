import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sampleFailureRecord, type DbFlappingView, type FailuresResponse, type MonitorStatusResponse, type ProcessView, type ReplicaId } from '@ftlab/shared';
import { freePort } from '../lib/ports';
import { RecordingServers, runNodeScript, type Reply } from '../lib/test-support';

/**
 * Runs the compiled CLI as a child process against local stand-ins of the replicas, the monitor,
 * the launcher's control API and the simulators that record every request, so the tests see
 * exactly what goes over the wire, including nothing.
 */

const CLI = path.join(__dirname, 'inject-failures.js');
const TOKEN = 'test-token-0123456789abcdef';

/** The monitor's /status as the contract says it: replica 2 OFF after timeouts. */
const monitorStatus: MonitorStatusResponse = {
  instances: (['1', '2', '3'] as ReplicaId[]).map((id) => ({
    instance_id: id,
    url: `http://127.0.0.1:500${id}`,
    status: id === '2' ? 'OFF' : 'ON',
    since: '2025-01-01T00:00:01.000Z',
    cause: id === '2' ? 'timeout' : null,
    quarantined: false,
    last_probe_at: '2025-01-01T00:00:02.000Z',
    last_probe_ok: id !== '2',
    last_probe_latency_ms: 1201.5,
    probe_timeout_ms: 300,
    consecutive_failures: 0,
    consecutive_successes: 3,
    probes_total: 10,
    probe_failures_total: id === '2' ? 3 : 0,
  })),
  detector: {},
};
const failures: FailuresResponse = { failures: [sampleFailureRecord()] };

const PROCESS_NAMES = ['orders-svc', 'inventory-1', 'inventory-2', 'inventory-3', 'monitor-svc', 'voter-svc'];
const processes: ProcessView[] = PROCESS_NAMES.map((name, i) => ({ name, pid: 4200 + i, state: 'running', restarts: name === 'voter-svc' ? 2 : 0, fault: null }));
const ENDS_AT = '2025-01-01T00:00:05.000Z';

/** The launcher's control API as its contract says: 202 with the process's view, 404 for a name it does not run. */
const control: Reply = (req) => {
  if (req.url === '/processes') return { status: 200, body: { processes } };
  if (req.url === '/faults/db-flapping') {
    const view: DbFlappingView = req.method === 'GET' ? { active: false, ends_at: null, terminated: { 'orders-svc': 3 } } : { active: true, ends_at: ENDS_AT, terminated: {} };
    return { status: req.method === 'GET' ? 200 : 202, body: view };
  }
  const name = /^\/processes\/([^/]+)\/faults$/.exec(req.url)?.[1];
  const process = processes.find((p) => p.name === name);
  if (!process) return { status: 404, body: { error: `no process named ${name}; known: ${PROCESS_NAMES.join(', ')}`, field: 'name' } };
  const type = (req.body as { type: 'crash' | 'pause' | 'duplicate' }).type;
  return { status: 202, body: { ...process, state: type === 'pause' ? 'paused' : type === 'crash' ? 'down' : 'running', fault: { type, ends_at: ENDS_AT } } };
};

const defaultReplies = (): Record<string, Reply> => {
  const replica = (id: string): Reply => (req) => {
    if (req.method === 'GET') return { status: 200, body: { instance_id: id, fault: { type: 'latency', latency_ms: 1200 } } };
    const fault = req.body as { type: string };
    if (fault.type === 'clear') return { status: 200, body: { instance_id: id, fault: null } };
    return { status: fault.type === 'crash' ? 202 : 201, body: { instance_id: id, fault, fault_id: '7', injected_at: '2025-01-01T00:00:00.000Z' } };
  };
  return {
    'inventory-1': replica('1'),
    'inventory-2': replica('2'),
    'inventory-3': replica('3'),
    monitor: (req) => ({ status: 200, body: req.url.startsWith('/status') ? monitorStatus : failures }),
    control,
    // The simulators' fault switches answer the fault now in force.
    'payment-gateway': (req) => ({ status: 200, body: { fault: req.method === 'GET' ? { type: 'latency', latency_ms: 20000 } : clearedOr(req.body) } }),
    'mail-sink': (req) => {
      const fault = req.method === 'GET' ? null : clearedOr(req.body);
      return { status: 200, body: { fault, smtp_listening: fault === null } };
    },
  };
};

function clearedOr(body: unknown): unknown {
  return (body as { type: string }).type === 'clear' ? null : body;
}

const stand = new RecordingServers(defaultReplies());
const recorded = stand.requests;
let replies = stand.replies;

before(() => stand.start(['inventory-1', 'inventory-2', 'inventory-3', 'monitor', 'control', 'payment-gateway', 'mail-sink']));
after(() => stand.close());
beforeEach(() => {
  recorded.length = 0;
  replies = stand.replies = defaultReplies();
});

function runCli(args: string[], env: Record<string, string> = {}) {
  return runNodeScript(CLI, args, {
    ADMIN_TOKEN: TOKEN,
    INVENTORY_1_URL: stand.urls['inventory-1'],
    INVENTORY_2_URL: stand.urls['inventory-2'],
    INVENTORY_3_URL: stand.urls['inventory-3'],
    MONITOR_URL: stand.urls.monitor,
    CONTROL_URL: stand.urls.control,
    PAYMENT_GATEWAY_URL: stand.urls['payment-gateway'],
    MAIL_SINK_URL: stand.urls['mail-sink'],
    ...env,
  });
}

describe('inject-failures: bad input is refused before anything is sent', () => {
  const cases: { args: string[]; message: RegExp }[] = [
    { args: ['explode', '--instance', '1'], message: /unknown command 'explode'/ },
    { args: ['crash', '--instance', '4'], message: /--instance: must be one of 1, 2, 3 \(got "4"\)/ },
    { args: ['crash', '--instance', '0'], message: /--instance: must be one of 1, 2, 3/ },
    { args: ['crash'], message: /--target: required \(inventory-1, inventory-2, inventory-3, payment-gateway, mail-sink or a process/ },
    { args: ['crash', '--target', 'inventory-1', '--instance', '1'], message: /--instance: give --target or --instance, not both/ },
    { args: ['crash', '--target', 'inventory-4'], message: /--target: the replicas are inventory-1, inventory-2, inventory-3/ },
    { args: ['crash', '--target', 'voter-svc', '--down-for', 'later'], message: /--down-for: not a number/ },
    { args: ['pause', '--target', 'inventory-2'], message: /required option '--duration <s>'/ },
    { args: ['pause', '--target', 'inventory-2', '--duration', '0'], message: /--duration: must be at least 0.001 s \(got 0\)/ },
    { args: ['duplicate', '--target', 'orders-svc', '--duration', '2'], message: /--target: orders-svc has no duplicate fault; duplicate applies to inventory-N/ },
    { args: ['decline', '--instance', '1'], message: /--target: inventory-1 has no decline fault; decline applies to payment-gateway/ },
    { args: ['down', '--target', 'voter-svc'], message: /--target: voter-svc has no down fault/ },
    { args: ['latency', '--target', 'payment-gateway', '--latency', '200000'], message: /--latency: .*less than or equal to 120000/ },
    { args: ['latency', '--target', 'mail-sink', '--latency', '100'], message: /--target: mail-sink has no latency fault/ },
    { args: ['db-flapping', '--probability', '0.3'], message: /required option '--duration <s>'/ },
    { args: ['db-flapping', '--probability', '1.5', '--duration', '2'], message: /--probability: .*less than or equal to 1/ },
    { args: ['db-flapping', '--probability', '0.3', '--duration', '2', '--tick', '5'], message: /--tick: .*greater than or equal to 50/ },
    { args: ['db-flapping', '--probability', '0.3', '--duration', '2', '--target', 'orders-svc'], message: /unknown option '--target'/ },
    { args: ['status', '--target', 'Voter'], message: /--target: a process name such as/ },
    { args: ['intermittent', '--instance', '3', '--probability', '2'], message: /--probability: .*less than or equal to 1/ },
    { args: ['intermittent', '--instance', '3', '--probability', '-0.1'], message: /--probability: .*greater than or equal to 0/ },
    { args: ['latency', '--instance', '2', '--latency', '-5'], message: /--latency: .*greater than or equal to 1 \(got -5\)/ },
    { args: ['latency', '--instance', '2', '--latency', '1.5'], message: /--latency: .*integer/ },
    { args: ['latency', '--instance', '2', '--latency', 'fast'], message: /--latency: not a number/ },
    { args: ['latency', '--instance', '2'], message: /required option '--latency <ms>'/ },
    { args: ['incorrect', '--instance', '1'], message: /required option '--product <id>'/ },
    { args: ['incorrect', '--instance', '1', '--product', 'PROD 1'], message: /--product: letters, digits/ },
    { args: ['status', '--instance', 'two'], message: /--instance: must be one of/ },
    { args: ['failures', '--limit', '0'], message: /--limit: .*greater than or equal to 1/ },
  ];
  for (const { args, message } of cases) {
    test(args.join(' '), async () => {
      const run = await runCli(args);
      assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.deepEqual(recorded, [], 'no request may be sent');
    });
  }
});

describe('inject-failures: good input sends exactly the right request', () => {
  test('latency goes to replica 2 only, with the bearer token and the contract body', async () => {
    const run = await runCli(['latency', '--instance', '2', '--latency', '1200']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(recorded, [
      { server: 'inventory-2', method: 'POST', url: '/admin/faults', authorization: `Bearer ${TOKEN}`, body: { type: 'latency', latency_ms: 1200 } },
    ]);
    assert.match(run.stdout, /inventory-2: latency \(latency_ms=1200\) injected \(fault #7/);
  });

  test('each fault type builds its contract body', async () => {
    const expected: [string[], unknown][] = [
      [['crash', '--instance', '1'], { type: 'crash' }],
      [['intermittent', '--instance', '3', '--probability', '0.5'], { type: 'intermittent', probability: 0.5 }],
      [['incorrect', '--instance', '1', '--product', 'PROD-001'], { type: 'incorrect', product_id: 'PROD-001' }],
      [['clear', '--instance', '3'], { type: 'clear' }],
    ];
    for (const [args, body] of expected) {
      recorded.length = 0;
      const run = await runCli(args);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(recorded.length, 1);
      assert.equal(recorded[0]!.server, `inventory-${args[2]}`);
      assert.deepEqual(recorded[0]!.body, body);
    }
  });

  test('--json prints the replica answer as JSON', async () => {
    const run = await runCli(['incorrect', '--instance', '1', '--product', 'PROD-001', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      instance_id: '1',
      fault: { type: 'incorrect', product_id: 'PROD-001' },
      fault_id: '7',
      injected_at: '2025-01-01T00:00:00.000Z',
    });
  });

  test('process faults go to the control API with the token, durations in ms', async () => {
    const expected: [string[], string, unknown, RegExp][] = [
      [['pause', '--target', 'inventory-2', '--duration', '2'], '/processes/inventory-2/faults', { type: 'pause', duration_ms: 2000 }, /^inventory-2: pause \(duration_ms=2000\) injected; frozen until 2025-01-01T00:00:05.000Z, then resumed$/],
      [['crash', '--target', 'voter-svc', '--down-for', '2'], '/processes/voter-svc/faults', { type: 'crash', down_for_ms: 2000 }, /^voter-svc: crash \(down_for_ms=2000\) injected; held down until .*, then restarted$/],
      [['crash', '--instance', '3', '--down-for', '1'], '/processes/inventory-3/faults', { type: 'crash', down_for_ms: 1000 }, /^inventory-3: crash/],
      [['crash', '--target', 'orders-svc'], '/processes/orders-svc/faults', { type: 'crash', down_for_ms: 0 }, /^orders-svc: crash \(down_for_ms=0\) injected; killed; its supervisor restarts it now$/],
      [['duplicate', '--instance', '1', '--duration', '10'], '/processes/inventory-1/faults', { type: 'duplicate', duration_ms: 10_000 }, /a second copy runs beside it until/],
      [['db-flapping', '--probability', '0.3', '--duration', '2', '--tick', '100'], '/faults/db-flapping', { probability: 0.3, duration_ms: 2000, tick_ms: 100 }, /^database: flapping \(probability=0.3, duration_ms=2000, tick_ms=100\) until 2025/],
    ];
    for (const [args, url, body, output] of expected) {
      recorded.length = 0;
      const run = await runCli(args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.deepEqual(recorded, [{ server: 'control', method: 'POST', url, authorization: `Bearer ${TOKEN}`, body }]);
      assert.match(run.stdout.trim(), output);
    }
  });

  test("the simulators' faults go to their own /admin/faults", async () => {
    const expected: [string[], string, unknown, RegExp][] = [
      [['latency', '--target', 'payment-gateway', '--latency', '20000'], 'payment-gateway', { type: 'latency', latency_ms: 20000 }, /^payment-gateway: latency \(latency_ms=20000\) injected$/],
      [['down', '--target', 'payment-gateway'], 'payment-gateway', { type: 'down' }, /^payment-gateway: down injected$/],
      [['intermittent', '--target', 'payment-gateway', '--probability', '0.5'], 'payment-gateway', { type: 'intermittent', probability: 0.5 }, /intermittent \(probability=0.5\)/],
      [['decline', '--target', 'payment-gateway'], 'payment-gateway', { type: 'decline' }, /^payment-gateway: decline injected$/],
      [['clear', '--target', 'payment-gateway'], 'payment-gateway', { type: 'clear' }, /^payment-gateway: fault cleared$/],
      [['down', '--target', 'mail-sink'], 'mail-sink', { type: 'down' }, /^mail-sink: down injected; smtp closed$/],
      [['clear', '--target', 'mail-sink'], 'mail-sink', { type: 'clear' }, /^mail-sink: fault cleared; smtp listening$/],
    ];
    for (const [args, server, body, output] of expected) {
      recorded.length = 0;
      const run = await runCli(args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.deepEqual(recorded, [{ server, method: 'POST', url: '/admin/faults', authorization: `Bearer ${TOKEN}`, body }]);
      assert.match(run.stdout.trim(), output);
    }
  });

  test('status --instance reads the replica fault, the monitor view and its process', async () => {
    const run = await runCli(['status', '--instance', '2']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      recorded.map((r) => [r.server, r.method, r.url, r.authorization]).sort(),
      [
        ['control', 'GET', '/processes', `Bearer ${TOKEN}`],
        ['inventory-2', 'GET', '/admin/faults', `Bearer ${TOKEN}`],
        ['monitor', 'GET', '/status', undefined],
      ],
    );
    assert.match(run.stdout, /fault: +latency \(latency_ms=1200\)/);
    assert.match(run.stdout, /monitor: OFF since .*cause timeout/);
    assert.match(run.stdout, /^ +inventory-2 +running +4202 +0 +none$/m);
    assert.doesNotMatch(run.stdout, /inventory-1|payment-gateway|database/);
  });

  test('status shows every target: replicas, processes, simulators, database', async () => {
    const run = await runCli(['status']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      recorded.filter((r) => r.server !== 'monitor').map((r) => [r.server, r.url, r.authorization]).sort(),
      [
        ['control', '/faults/db-flapping', `Bearer ${TOKEN}`],
        ['control', '/processes', `Bearer ${TOKEN}`],
        ['inventory-1', '/admin/faults', `Bearer ${TOKEN}`],
        ['inventory-2', '/admin/faults', `Bearer ${TOKEN}`],
        ['inventory-3', '/admin/faults', `Bearer ${TOKEN}`],
        ['mail-sink', '/admin/faults', `Bearer ${TOKEN}`],
        ['payment-gateway', '/admin/faults', `Bearer ${TOKEN}`],
      ],
    );
    assert.deepEqual(run.stdout.match(/^[a-z][\w-]*$/gm), ['inventory-1', 'inventory-2', 'inventory-3', 'processes', 'payment-gateway', 'mail-sink', 'database']);
    assert.match(run.stdout, /inventory-2\n.*\n  monitor: OFF since/);
    for (const name of PROCESS_NAMES) assert.match(run.stdout, new RegExp(`^ +${name} +running +\\d+ +\\d+ +none$`, 'm'));
    assert.match(run.stdout, /payment-gateway\n  fault: +latency \(latency_ms=20000\)/);
    assert.match(run.stdout, /mail-sink\n  fault: +none\n  smtp: +listening/);
    assert.match(run.stdout, /database\n  flapping: no\n  terminated \(last run\): orders-svc 3/);
    const json = JSON.parse((await runCli(['status', '--json'])).stdout);
    assert.equal(json.processes.length, PROCESS_NAMES.length);
    assert.deepEqual(json.simulators.map((s: { name: string }) => s.name), ['payment-gateway', 'mail-sink']);
    assert.equal(json.db_flapping.active, false);
  });

  test('status --target of a process or a simulator reads only what that target needs', async () => {
    let run = await runCli(['status', '--target', 'voter-svc']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(recorded.map((r) => [r.server, r.url]), [['control', '/processes']]);
    assert.match(run.stdout, /^processes\n.*\n.*\n +voter-svc +running +4205 +2 +none\n$/);
    recorded.length = 0;
    run = await runCli(['status', '--target', 'mail-sink']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(recorded.map((r) => [r.server, r.url]).sort(), [['control', '/processes'], ['mail-sink', '/admin/faults']]);
    assert.equal(run.stdout, 'mail-sink\n  fault:   none\n  smtp:    listening\n');
  });

  test('failures asks the monitor with the filter and prints a table', async () => {
    const run = await runCli(['failures', '--instance', '2', '--limit', '5']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(recorded.map((r) => [r.server, r.url, r.authorization]), [['monitor', '/failures?limit=5&instance_id=2', undefined]]);
    assert.match(run.stdout, /^instance +cause +fault/);
    assert.match(run.stdout, /2 +timeout +latency .* open +1000/);
  });
});

describe('inject-failures: failures of the target', () => {
  test('an unreachable replica exits 1 naming it', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['clear', '--instance', '3'], { INVENTORY_3_URL: closed });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot reach inventory-3 at ${closed} \\(ECONNREFUSED\\)`));
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('a refused token exits 1 with the status, the service message and where the token came from', async () => {
    replies['inventory-1'] = () => ({ status: 401, body: { error: 'missing or wrong admin token' } });
    const run = await runCli(['crash', '--instance', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /inventory-1 answered POST \/admin\/faults with 401: missing or wrong admin token \(the admin token is read from ADMIN_TOKEN, else .*admin-token\)/);
  });

  test('a process the launcher does not run exits 1 with its answer', async () => {
    const run = await runCli(['pause', '--target', 'payment-svc', '--duration', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /launcher control API answered POST \/processes\/payment-svc\/faults with 404: no process named payment-svc; known: orders-svc/);
  });

  test('status shows an unreachable target in its own row, the others in full, and exits 1', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    replies.control = (req) => (req.url === '/processes' ? { status: 401, body: { error: 'missing or wrong admin token' } } : control(req));
    const run = await runCli(['status'], { MAIL_SINK_URL: closed });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /processes\n  unknown: launcher control API answered GET \/processes with 401: missing or wrong admin token/);
    assert.match(run.stdout, new RegExp(`mail-sink\\n  fault: +unknown: cannot reach mail-sink at ${closed} \\(ECONNREFUSED\\)`));
    assert.match(run.stdout, /payment-gateway\n  fault: +latency/);
    assert.match(run.stdout, /inventory-3\n  fault: +latency/);
    assert.match(run.stdout, /database\n  flapping: no/);
    // The mail sink's row shows it is not running; outside the system, that fails nothing (the 401 does).
    assert.match(run.stderr, /^inject-failures: launcher control API answered GET \/processes with 401/);
    assert.doesNotMatch(run.stderr, /mail-sink/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('status --target of a process the launcher does not run exits 1 naming what it runs', async () => {
    const run = await runCli(['status', '--target', 'payment-svc']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /processes\n  unknown: the launcher supervises no process named payment-svc \(it runs orders-svc, inventory-1/);
  });
});
