/**
 * Every service's GET /metrics is valid Prometheus text exposition, as judged by Prometheus's own
 * `promtool check metrics` (Debian's `prometheus` package), on the real system after some traffic
 * so that labelled series (requests, decisions, probes, faults) are present, not only the defaults.
 *
 * promtool exits 1 when the exposition cannot be parsed (always a failure here) and 3 when it parses
 * but breaks naming conventions (lint). Every lint complaint about our own metrics fails the test
 * too; the only ones allowed are listed in UPSTREAM_LINT, with the reason.
 *
 * Run: npm test -- metrics   (needs /usr/bin/promtool: apt-get install -y prometheus)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '@ftlab/shared';
import { REPO_ROOT } from './lib/paths';
import { freeServicePorts, SERVICE_NAMES, startSystem, type RunningSystem } from './lib/system';
import { freshDatabaseUrl, testKafkaBrokers, testLogDir, uniqueTopicPrefix } from './lib/testing';

const PROMTOOL = '/usr/bin/promtool';
const TOKEN = crypto.randomBytes(16).toString('hex');
const logger = createLogger('metrics-test', undefined, 'warn');

/**
 * prom-client's default Node.js metrics (collectDefaultMetrics in shared/src/metrics.ts) include
 * three gauges whose names end in _total. They are the library's names, the same in every Node
 * service and the dashboards built for them; renaming them is not ours to do, so promtool's
 * complaint about exactly these three is expected. Anything else it says fails the test.
 */
const UPSTREAM_LINT = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);

/** The Grafana dashboard of the compose observability profile: its queries must name real series. */
const GRAFANA_DASHBOARD = path.join(REPO_ROOT, 'deploy', 'grafana', 'dashboards', 'ftlab.json');
/** Series Prometheus records itself about each scrape, not found in any /metrics. */
const SYNTHETIC_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `promtool check metrics` reads the exposition from stdin. */
function promtoolCheck(exposition: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(exposition);
  });
}

/** promtool prints one lint problem per line: "<metric name> <complaint>". */
function lintProblems(run: Run): { metric: string; text: string }[] {
  return run.stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [metric = '', ...text] = line.trim().split(' ');
      return { metric, text: text.join(' ') };
    });
}

/** Parse errors fail; lint problems fail unless they are all upstream's known ones. */
function assertValid(name: string, run: Run): void {
  assert.ok(run.code === 0 || run.code === 3, `promtool could not parse ${name}'s exposition (exit ${run.code}):\n${run.stderr}${run.stdout}`);
  const ours = lintProblems(run).filter((p) => !UPSTREAM_LINT.has(p.metric));
  assert.deepEqual(ours, [], `promtool lint complaints about ${name}'s own metrics`);
  if (run.code === 3) assert.ok(lintProblems(run).length > 0, 'exit 3 without a lint problem listed');
}

interface PanelQuery {
  panel: string;
  expr: string;
  metrics: string[];
  /** Labels the query groups by or the legend prints: they must be on the series. */
  labels: string[];
}

/**
 * The metric names and labels a PromQL expression uses, by a few rules that fit the dashboard's
 * queries: `by (...)` lists labels, `{...}` and `[...]` are matchers and ranges, an identifier
 * followed by `(` is a function, and every other identifier is a metric name.
 */
function queryParts(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  const rest = expr
    .replace(/\b(?:by|without)\s*\(([^)]*)\)/g, (_m, list: string) => (labels.push(...list.split(',').map((l) => l.trim()).filter(Boolean)), ' '))
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  const metrics = [...rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\(|[a-zA-Z0-9_:])/g)].map((m) => m[1]!);
  return { metrics: [...new Set(metrics)], labels };
}

function grafanaQueries(): PanelQuery[] {
  const dashboard = JSON.parse(fs.readFileSync(GRAFANA_DASHBOARD, 'utf8')) as {
    panels: { title: string; targets?: { expr?: string; legendFormat?: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => t.expr)
      .map((t) => {
        const parts = queryParts(t.expr!);
        const legend = [...(t.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
        return { panel: panel.title, expr: t.expr!, metrics: parts.metrics, labels: [...new Set([...parts.labels, ...legend])] };
      }),
  );
}

/** Whether some service declares the series: `# TYPE` of its family (a histogram's for _bucket, _count, _sum). */
function declared(name: string): boolean {
  const family = name.replace(/_(bucket|count|sum)$/, '');
  const types = [...scraped.values()].flatMap(({ body }) => body.split('\n').filter((line) => line.startsWith('# TYPE ')));
  return types.some((line) => line.startsWith(`# TYPE ${name} `) || (family !== name && /^# TYPE \S+ (histogram|summary)$/.test(line) && line.startsWith(`# TYPE ${family} `)));
}

/** Sample lines of one series name across every scraped exposition. */
function samples(name: string): string[] {
  const lines: string[] = [];
  for (const { body } of scraped.values()) {
    for (const line of body.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) lines.push(line);
  }
  return lines;
}

async function send(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res;
}

let system: RunningSystem | undefined;
const scraped = new Map<string, { contentType: string | null; body: string }>();

before(async () => {
  assert.ok(fs.existsSync(PROMTOOL), `${PROMTOOL} not found: install Debian's prometheus package (apt-get update && apt-get install -y prometheus); CI's .ci/run does.`);
  system = await startSystem({
    kafkaBrokers: testKafkaBrokers(),
    databaseUrl: await freshDatabaseUrl('metrics'),
    topicPrefix: uniqueTopicPrefix('metrics'),
    ports: await freeServicePorts(),
    adminToken: TOKEN,
    logDir: testLogDir('metrics'),
    logger,
  });
  // Generous: a fresh consumer group on a busy machine can take a while to settle.
  await system.waitHealthy('all', 120_000);
  const { urls } = system;

  // Traffic that fills the labelled series: an order decided by the replicas, reads through the
  // voter, an admin request, and a fault the monitor must notice and clear.
  const placed = await fetch(`${urls['orders-svc']}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ product_id: 'PROD-001', quantity: 2 }),
  });
  assert.equal(placed.status, 202);
  const { order_id } = (await placed.json()) as { order_id: string };
  await send(`${urls['orders-svc']}/orders/${order_id}?wait=10000`);
  for (let i = 0; i < 20; i++) await send(`${urls['voter-svc']}/inventory/PROD-00${(i % 3) + 1}`);
  await send(`${urls['voter-svc']}/inventory/NOPE-1`);
  // Through the gateway too, so its request histogram and upstream series have samples.
  for (let i = 0; i < 5; i++) await send(`${urls['gateway-svc']}/inventory/PROD-00${(i % 3) + 1}`);
  const admin = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  await send(`${urls['inventory-3']}/admin/faults`, { method: 'POST', headers: admin, body: JSON.stringify({ type: 'intermittent', probability: 1 }) });
  // A replica that lies about one product: the monitor's consistency check convicts it, and reads
  // through the voter that reach it first count it as an outlier.
  await send(`${urls['inventory-2']}/admin/faults`, { method: 'POST', headers: admin, body: JSON.stringify({ type: 'incorrect', product_id: 'PROD-001' }) });
  for (let i = 0; i < 5; i++) await send(`${urls['voter-svc']}/inventory/PROD-001`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const replica of ['inventory-2', 'inventory-3'] as const) {
    await send(`${urls[replica]}/admin/faults`, { method: 'POST', headers: admin, body: JSON.stringify({ type: 'clear' }) });
  }
  await send(`${urls['monitor-svc']}/failures`);

  for (const name of SERVICE_NAMES) {
    const res = await fetch(`${urls[name]}/metrics`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200, `${name} /metrics`);
    scraped.set(name, { contentType: res.headers.get('content-type'), body: await res.text() });
  }
});

after(async () => {
  await system?.stop();
});

describe('promtool check metrics', { timeout: 180_000 }, () => {
  test('the check can fail: a broken exposition and a badly named metric are both refused', async () => {
    const broken = await promtoolCheck('# TYPE broken_total counter\nbroken_total{a="1" 1\n');
    assert.throws(() => assertValid('broken', broken), /could not parse/);
    const misnamed = await promtoolCheck('# HELP requests Requests served\n# TYPE requests counter\nrequests 3\n');
    assert.equal(misnamed.code, 3, misnamed.stderr);
    assert.throws(() => assertValid('misnamed', misnamed), /lint complaints/);
  });

  test('the PromQL reader finds metric names and labels', () => {
    assert.deepEqual(queryParts('histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket[$__rate_interval])))'), {
      metrics: ['http_request_duration_seconds_bucket'],
      labels: ['le', 'service'],
    });
    assert.deepEqual(queryParts('max by (target) (up{job="ftlab"})'), { metrics: ['up'], labels: ['target'] });
  });

  test('every Grafana panel queries series the services declare, with the labels it groups by', (t) => {
    const queries = grafanaQueries();
    assert.ok(queries.length > 10, `only ${queries.length} queries found in ${GRAFANA_DASHBOARD}`);
    const problems: string[] = [];
    for (const q of queries) {
      const real = q.metrics.filter((m) => !SYNTHETIC_SERIES.has(m));
      if (real.length < q.metrics.length) continue; // labels of Prometheus's own series come from prometheus.yml
      for (const metric of real) if (!declared(metric)) problems.push(`${q.panel}: no service declares ${metric} (${q.expr})`);
      // A labelled counter nothing has incremented yet has no samples, so no labels to see.
      const seen = real.flatMap(samples);
      if (seen.length === 0) {
        t.diagnostic(`${q.panel}: labels not checked, no samples of ${real.join('/')} yet`);
        continue;
      }
      for (const label of q.labels) if (!seen.some((line) => line.includes(`${label}="`))) problems.push(`${q.panel}: no ${real.join('/')} sample has label ${label}`);
    }
    assert.deepEqual(problems, []);
  });

  for (const name of SERVICE_NAMES) {
    test(`${name} /metrics is valid Prometheus exposition, its own metrics lint-clean`, async (t) => {
      const metrics = scraped.get(name);
      assert.ok(metrics, `${name} was not scraped`);
      assert.match(metrics.contentType ?? '', /^text\/plain;.*\bversion=0\.0\.4/, 'exposition content type');
      // Not only process defaults: the service's own series are there.
      assert.match(metrics.body, /^http_request_duration_seconds_bucket\{/m, 'request histogram present');
      const run = await promtoolCheck(metrics.body);
      assertValid(name, run);
      if (run.code !== 0) t.diagnostic(`allowed upstream lint: ${run.stderr.trim().replace(/\n/g, '; ')}`);
    });
  }
});
