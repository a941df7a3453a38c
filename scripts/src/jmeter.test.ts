import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createLogger } from '@ftlab/shared';
import { acquireSystem } from './lib/target-system';
import { exited, spawnOwned } from './lib/children';
import { REPO_ROOT } from './lib/paths';
import { isolatedStackEnv, testLogDir } from './lib/testing';

/**
 * jmeter/experiment_test_plan.jmx run for a few seconds by jmeter/run_test.sh, with real JMeter,
 * against a system of its own. Fails (never skips) when JMeter cannot be had: the plan is a
 * deliverable, and a CI without JMeter must say so.
 */

const RUN_TEST = path.join(REPO_ROOT, 'jmeter', 'run_test.sh');
const INSTALL_HINT =
  'JMeter is needed: apt-get install -y openjdk-17-jre-headless maven, then `mvn -B -q -f jmeter/pom.xml jmeter:configure` ' +
  '(run_test.sh does this itself), or set JMETER_HOME to a JMeter 5.x installation';

/** One CSV record (RFC 4180 quoting: JMeter quotes failure messages that contain commas). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') fields.push(field), (field = '');
    else field += c;
  }
  fields.push(field);
  return fields;
}

/** Samples per label: how many, how many succeeded, and the first failure's message. */
export function tallyJtl(csv: string): Map<string, { total: number; ok: number; firstFailure?: string }> {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = parseCsvLine(header ?? '');
  const at = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`JTL has no ${name} column: ${header}`);
    return index;
  };
  const [label, success, code, message] = [at('label'), at('success'), at('responseCode'), at('failureMessage')];
  const tally = new Map<string, { total: number; ok: number; firstFailure?: string }>();
  for (const row of rows) {
    const fields = parseCsvLine(row);
    const entry = tally.get(fields[label]!) ?? { total: 0, ok: 0 };
    entry.total += 1;
    if (fields[success] === 'true') entry.ok += 1;
    else entry.firstFailure ??= `${fields[code]} ${fields[message]}`;
    tally.set(fields[label]!, entry);
  }
  return tally;
}

function jmeterAvailable(): boolean {
  if (process.env.JMETER_HOME) return fs.existsSync(path.join(process.env.JMETER_HOME, 'bin', 'jmeter'));
  const has = (cmd: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  // run_test.sh fetches JMeter with Maven when jmeter/target does not have it yet.
  return has('java') && (has('mvn') || fs.existsSync(path.join(REPO_ROOT, 'jmeter', 'target', 'config.json')));
}

test('run_test.sh refuses a --via it does not know before starting anything', async () => {
  const child = spawnOwned('bash', [RUN_TEST, '--via', 'nginx'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await exited(child);
  assert.equal(child.exitCode, 2);
  assert.match(stderr, /--via: must be direct or gateway \(got 'nginx'\)/);
});

describe('JTL parsing', () => {
  test('quoted fields keep their commas and doubled quotes', () => {
    assert.deepEqual(parseCsvLine('1,"a, b",c,"say ""hi"""'), ['1', 'a, b', 'c', 'say "hi"']);
  });

  test('tallies successes per label', () => {
    const csv = 'timeStamp,label,responseCode,success,failureMessage\n1,read,200,true,\n2,read,503,false,"no quorum, try later"\n3,order,202,true,\n';
    assert.deepEqual(Object.fromEntries(tallyJtl(csv)), {
      read: { total: 2, ok: 1, firstFailure: '503 no quorum, try later' },
      order: { total: 1, ok: 1 },
    });
  });
});

test('the JMeter plan reads through the voter and creates orders, with passing assertions', { timeout: 600_000 }, async () => {
  assert.ok(jmeterAvailable(), INSTALL_HINT);
  const logDir = testLogDir('jmeter');
  fs.rmSync(logDir, { recursive: true, force: true });
  const env = await isolatedStackEnv('jmeter');

  const target = await acquireSystem({ env, logger: createLogger('jmeter-test', undefined, 'warn'), logDir: path.join(logDir, 'services') });
  try {
    // acquireSystem hands it over ready: replicas ON, the voter serving the seed stock.
    assert.ok(target.startedHere, 'the test runs against a system of its own');

    const out = path.join(logDir, 'run');
    const output = fs.openSync(path.join(logDir, 'run_test.out'), 'w');
    const child = spawnOwned(
      'bash',
      [RUN_TEST, `-Jvoter_port=${env.VOTER_PORT}`, `-Jorders_port=${env.ORDERS_PORT}`, '-Jduration=5', '-Jread_rps=10', '-Jorder_rps=2'],
      { cwd: REPO_ROOT, env: { ...process.env, JMETER_OUT_DIR: out }, stdio: ['ignore', output, output] },
    );
    fs.closeSync(output);
    await exited(child);
    const printed = fs.readFileSync(path.join(logDir, 'run_test.out'), 'utf8');
    assert.equal(child.exitCode, 0, `run_test.sh failed:\n${printed.split('\n').slice(-20).join('\n')}\n${INSTALL_HINT}`);

    const tally = tallyJtl(fs.readFileSync(path.join(out, 'results.jtl'), 'utf8'));
    for (const label of ['voter read', 'order create']) {
      const entry = tally.get(label);
      assert.ok(entry && entry.ok > 0, `${label}: no successful sample (${JSON.stringify(entry)})`);
    }
    // JMeter's dashboard was generated from the same results.
    assert.ok(fs.existsSync(path.join(out, 'html', 'index.html')), 'HTML dashboard');

    // --via gateway: the same plan, every request to gateway-svc, which forwards it.
    const gateway = target.endpoints.gateway;
    const forwarded = async () => {
      const text = await (await fetch(`${gateway}/metrics`)).text();
      const count = (upstream: string) => Number(new RegExp(`^gateway_upstream_outcomes_total\\{[^}]*upstream="${upstream}",outcome="reply_2xx"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return { voter: count('voter'), orders: count('orders') };
    };
    const before = await forwarded();
    const viaOut = path.join(logDir, 'run-via-gateway');
    const viaOutput = fs.openSync(path.join(logDir, 'run_test-via-gateway.out'), 'w');
    const viaChild = spawnOwned('bash', [RUN_TEST, '--via', 'gateway', '-Jduration=5', '-Jread_rps=10', '-Jorder_rps=2'], {
      cwd: REPO_ROOT,
      env: { ...process.env, JMETER_OUT_DIR: viaOut, GATEWAY_PORT: String(env.GATEWAY_PORT) },
      stdio: ['ignore', viaOutput, viaOutput],
    });
    fs.closeSync(viaOutput);
    await exited(viaChild);
    assert.equal(viaChild.exitCode, 0, fs.readFileSync(path.join(logDir, 'run_test-via-gateway.out'), 'utf8').split('\n').slice(-20).join('\n'));
    const viaTally = tallyJtl(fs.readFileSync(path.join(viaOut, 'results.jtl'), 'utf8'));
    const after = await forwarded();
    for (const [label, upstream] of [['voter read', 'voter'], ['order create', 'orders']] as const) {
      const ok = viaTally.get(label)?.ok ?? 0;
      assert.ok(ok > 0, `${label} via the gateway: no successful sample (${JSON.stringify(viaTally.get(label))})`);
      assert.ok(after[upstream] - before[upstream] >= ok, `the gateway forwarded the ${label}s: ${after[upstream] - before[upstream]} of ${ok}`);
    }
  } finally {
    await target.stop();
  }
});
