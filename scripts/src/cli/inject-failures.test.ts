import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sampleFailureRecord, type FailuresResponse, type MonitorStatusResponse, type ReplicaId } from '@ftlab/shared';
import { freePort } from '../lib/ports';
import { RecordingServers, runNodeScript, type Reply } from '../lib/test-support';

/**
 * Runs the compiled CLI as a child process against local stand-ins of the replicas and the monitor
 * that record every request, so the tests see exactly what goes over the wire, including nothing.
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
  };
};

const stand = new RecordingServers(defaultReplies());
const recorded = stand.requests;
let replies = stand.replies;

before(() => stand.start(['inventory-1', 'inventory-2', 'inventory-3', 'monitor']));
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
    ...env,
  });
}

describe('inject-failures: bad input is refused before anything is sent', () => {
  const cases: { args: string[]; message: RegExp }[] = [
    { args: ['explode', '--instance', '1'], message: /unknown command 'explode'/ },
    { args: ['crash', '--instance', '4'], message: /--instance: must be one of 1, 2, 3 \(got "4"\)/ },
    { args: ['crash', '--instance', '0'], message: /--instance: must be one of 1, 2, 3/ },
    { args: ['crash'], message: /required option '--instance <n>'/ },
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

  test('status reads the replica fault and the monitor view', async () => {
    const run = await runCli(['status', '--instance', '2']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      recorded.map((r) => [r.server, r.method, r.url, r.authorization]).sort(),
      [
        ['inventory-2', 'GET', '/admin/faults', `Bearer ${TOKEN}`],
        ['monitor', 'GET', '/status', undefined],
      ],
    );
    assert.match(run.stdout, /fault: +latency \(latency_ms=1200\)/);
    assert.match(run.stdout, /monitor: OFF since .*cause timeout/);
  });

  test('status without --instance shows every replica', async () => {
    const run = await runCli(['status']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      recorded.filter((r) => r.server !== 'monitor').map((r) => [r.server, r.url]).sort(),
      [
        ['inventory-1', '/admin/faults'],
        ['inventory-2', '/admin/faults'],
        ['inventory-3', '/admin/faults'],
      ],
    );
    assert.deepEqual(run.stdout.match(/^inventory-\d$/gm), ['inventory-1', 'inventory-2', 'inventory-3']);
    assert.match(run.stdout, /inventory-2\n.*\n  monitor: OFF since/);
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

  test('a refused token exits 1 with the status and the service message', async () => {
    replies['inventory-1'] = () => ({ status: 401, body: { error: 'missing or wrong admin token' } });
    const run = await runCli(['crash', '--instance', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /inventory-1 answered POST \/admin\/faults with 401: missing or wrong admin token/);
  });
});
