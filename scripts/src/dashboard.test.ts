/**
 * The live dashboard in a real browser against the real system: headless Chromium (Debian's
 * `chromium` package, never a downloaded browser) driven by playwright-core, every service and
 * both simulators on free ports, a fresh database and topic prefix on the harness's broker.
 *
 * It injects a crash through the page and watches the replica go OFF and come back; restarts the
 * monitor under the page and watches it reconnect; stops a replica for good and watches it stay
 * OFF with a cause while the page stays live; takes mail and then the payment gateway down and
 * watches the saga panel count the emails waiting and the payment breaker open and close.
 * Screenshots go to test-artifacts/dashboard/; with UPDATE_README_SCREENSHOT=1 the one taken
 * during the fault also replaces docs/dashboard-fault.png.
 *
 * Run: npm test -- dashboard   (needs /usr/bin/chromium: apt-get install -y chromium)
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger, notificationStatsResponse, orderStatsResponse, paymentStatsResponse } from '@ftlab/shared';
import { REPO_ROOT } from './lib/paths';
import { pollUntil } from './lib/poll';
import { freeServicePorts, SERVICE_NAMES, startSystem, type RunningSystem } from './lib/system';
import { freshDatabaseUrl, testKafkaBrokers, testLogDir, uniqueTopicPrefix } from './lib/testing';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = testLogDir('dashboard');
const README_SCREENSHOT = path.join(REPO_ROOT, 'docs', 'dashboard-fault.png');
const TOKEN = crypto.randomBytes(16).toString('hex');

const logger = createLogger('dashboard-test', undefined, 'warn');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let system: RunningSystem | undefined;
let browser: Browser | undefined;
let page: Page;
let monitorUrl: string;
let reportsDir: string;
/** Page errors (uncaught exceptions, console errors) fail the run: the page must not break silently. */
const pageErrors: string[] = [];
let reads: { stop: () => Promise<void> } | undefined;

/** Reads through the voter and a few orders in the background, so the chart and counts have data. */
function startTraffic(voterUrl: string, ordersUrl: string): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await fetch(`${voterUrl}/inventory/PROD-00${(i % 3) + 1}`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
      if (i % 25 === 0) {
        await fetch(`${ordersUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ product_id: 'PROD-002', quantity: 1 }),
          signal: AbortSignal.timeout(2000),
        })
          .then((r) => r.body?.cancel())
          .catch(() => undefined);
      }
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const card = (id: string) => `.card[data-instance="${id}"]`;

async function screenshot(name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Polls from the test's side. Not page.waitForFunction: that evaluates code in the page, which the
 * page's Content-Security-Policy (no eval) rightly forbids, and the test must not weaken it.
 */
const waitUntil = (what: string, timeoutMs: number, check: () => Promise<boolean>) => pollUntil(check, { timeoutMs, intervalMs: 100, what });

async function expectThreeOn(timeoutMs: number): Promise<void> {
  for (const id of ['1', '2', '3']) await page.waitForSelector(`${card(id)}[data-status="ON"]`, { timeout: timeoutMs });
}

before(async () => {
  assert.ok(
    fs.existsSync(CHROMIUM),
    `${CHROMIUM} not found: install Debian's chromium package (apt-get update && apt-get install -y chromium); CI's .ci/run does. This test never downloads a browser.`,
  );
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-dashboard-reports-'));
  system = await startSystem({
    kafkaBrokers: testKafkaBrokers(),
    databaseUrl: await freshDatabaseUrl('dashboard'),
    topicPrefix: uniqueTopicPrefix('dash'),
    ports: await freeServicePorts(),
    adminToken: TOKEN,
    logDir: ARTIFACTS,
    // Small read limits, so a short burst through the gateway is refused and shows on the page.
    env: { REPORTS_DIR: reportsDir, GATEWAY_READ_RATE_PER_S: '5', GATEWAY_READ_BURST: '5' },
    logger,
  });
  // Generous: a fresh consumer group on a busy machine can take a while to settle.
  await system.waitHealthy('all', 120_000);
  monitorUrl = system.urls['monitor-svc'];
  reads = startTraffic(system.urls['voter-svc'], system.urls['orders-svc']);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every failed request as an error: the refused token (401) and the dropped
    // event stream while the monitor restarts are what the tests provoke on purpose.
    if (msg.type() === 'error' && !/^Failed to load resource|dashboard\/events/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
  });
  await page.goto(`${monitorUrl}/dashboard`);
});

after(async () => {
  await reads?.stop();
  await browser?.close();
  await system?.stop();
  if (reportsDir) fs.rmSync(reportsDir, { recursive: true, force: true });
});

describe('live dashboard in a browser', { timeout: 360_000 }, () => {
  test('shows the three replicas ON, the voter, the orders and a moving latency chart', async () => {
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
    await expectThreeOn(30_000);
    await page.waitForSelector('#voter-panel[data-available="true"]', { timeout: 10_000 });
    await page.waitForSelector('#orders-panel[data-available="true"]', { timeout: 10_000 });
    // Reads flow in the background: within a few ticks p50 is a number and its line has segments.
    await waitUntil('a p50 read latency', 15_000, async () => /^\d/.test((await page.textContent('#now-p50')) ?? ''));
    await waitUntil('a p50 line with segments', 15_000, async () => ((await page.getAttribute('#latency-chart path.p50', 'd')) ?? '').includes('L'));
    assert.match((await page.textContent('#quorum-rate')) ?? '', /%/);
    assert.equal(await page.locator('.card').count(), 3);
    assert.equal(await page.getAttribute('#report-link', 'data-available'), 'false');
    await screenshot('1-all-on');
  });

  test('the server never puts the admin token into the page', async () => {
    for (const asset of ['/dashboard', '/dashboard/assets/dashboard.js', '/dashboard/assets/dashboard.css']) {
      const res = await fetch(`${monitorUrl}${asset}`);
      assert.equal(res.status, 200, asset);
      assert.ok(!(await res.text()).includes(TOKEN), `${asset} contains the token`);
    }
    assert.equal(await page.inputValue('#token'), '');
  });

  test('a wrong token is refused by the replica and nothing is injected', async () => {
    const pid = system!.pidOf('inventory-2');
    await page.fill('#token', 'wrong-token-0123456789');
    await page.selectOption('#fault-instance', '2');
    await page.selectOption('#fault-type', 'crash');
    await page.click('#fault-submit');
    await page.waitForSelector('#fault-result[data-outcome="error"]', { timeout: 10_000 });
    assert.match((await page.textContent('#fault-result')) ?? '', /HTTP 401/);
    await sleep(500);
    assert.equal(system!.pidOf('inventory-2'), pid, 'inventory-2 still runs the same process');
  });

  test('a crash injected through the page turns the replica OFF, then ON again after the restart', async () => {
    // On a loaded machine a replica can be OFF for a slow probe now and then: start from ON.
    await page.waitForSelector(`${card('1')}[data-status="ON"]`, { timeout: 30_000 });
    const pid = system!.pidOf('inventory-1');
    await page.fill('#token', TOKEN);
    await page.selectOption('#fault-instance', '1');
    await page.selectOption('#fault-type', 'crash');
    await page.click('#fault-submit');
    await page.waitForSelector('#fault-result[data-outcome="ok"]', { timeout: 10_000 });
    assert.match((await page.textContent('#fault-result')) ?? '', /inventory-1: crash injected/);

    await page.waitForSelector(`${card('1')}[data-status="OFF"][data-cause="crash"]`, { timeout: 15_000 });
    assert.equal((await page.textContent(`${card('1')} .cause`))?.trim(), 'crash');
    await page.waitForSelector('#failures tbody tr[data-instance="1"][data-fault-type="crash"]', { timeout: 5000 });
    const duringFault = await screenshot('2-crash-off');
    // A test run must not dirty the work tree: the README's picture changes only when asked.
    if (process.env.UPDATE_README_SCREENSHOT === '1') fs.copyFileSync(duringFault, README_SCREENSHOT);

    await page.waitForSelector(`${card('1')}[data-status="ON"]`, { timeout: 60_000 });
    assert.notEqual(system!.pidOf('inventory-1'), pid, 'the supervisor restarted the replica');
    // The audit row is closed with its time to recover, and names the injected fault.
    const resolved = '#failures tbody tr.resolved[data-instance="1"][data-fault-type="crash"]';
    await page.waitForSelector(resolved, { timeout: 5000 });
    const row = page.locator(resolved).first();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], 'crash');
    assert.equal(cells[2], 'crash', 'fault type');
    assert.match(cells[7] ?? '', /ms$/, 'TTR');
    await screenshot('3-crash-recovered');
  });

  test('the page reconnects when the monitor restarts', async () => {
    const oldPid = system!.pidOf('monitor-svc');
    assert.equal(await page.getAttribute('body', 'data-monitor-pid'), String(oldPid));
    assert.ok(system!.kill('monitor-svc', 'SIGKILL'));
    await page.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 10_000 });
    await screenshot('4-monitor-down');
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 60_000 });
    const newPid = await page.getAttribute('body', 'data-monitor-pid');
    assert.ok(newPid && newPid !== String(oldPid), `snapshot from a new monitor process (was ${oldPid}, now ${newPid})`);
    assert.equal(newPid, String(system!.pidOf('monitor-svc')));
    await expectThreeOn(30_000);
  });

  test('a replica whose address does not answer is shown OFF with a cause, and the page stays live', async () => {
    await page.waitForSelector(`${card('2')}[data-status="ON"]`, { timeout: 30_000 });
    await system!.stopService('inventory-2');
    // Connection refused counts as a crash (a slow probe just before could show timeout first).
    await page.waitForSelector(`${card('2')}[data-status="OFF"][data-cause="crash"]`, { timeout: 15_000 });
    assert.equal((await page.textContent(`${card('2')} .cause`))?.trim(), 'crash');
    const first = await page.getAttribute('#updated', 'datetime');
    await waitUntil('another snapshot', 5000, async () => (await page.getAttribute('#updated', 'datetime')) !== first);
    assert.equal(await page.getAttribute('#connection', 'data-state'), 'live');
    await screenshot('5-replica-unreachable');
    system!.startService('inventory-2');
    await page.waitForSelector(`${card('2')}[data-status="ON"]`, { timeout: 60_000 });
  });

  test("shows the gateway's breaker per upstream and its limiter: the limits, the 429s and whom they went to", async () => {
    const gateway = system!.urls['gateway-svc'];
    const row = (upstream: string) => `#gateway-upstreams tr[data-upstream="${upstream}"]`;
    await page.waitForSelector('#gateway-panel[data-available="true"]', { timeout: 10_000 });
    await page.waitForSelector(`${row('voter')}[data-breaker="closed"]`, { timeout: 10_000 });
    await page.waitForSelector(`${row('orders')}[data-breaker="closed"]`, { timeout: 10_000 });
    assert.equal((await page.textContent('#gateway-limits tr[data-limit="read"] .policy'))?.trim(), '5/s + 5 per 10 s');

    const burst = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${gateway}/inventory/PROD-001`, { headers: { 'x-client-id': 'dashboard-flooder' }, signal: AbortSignal.timeout(10_000) }).then((r) => r.status)),
    );
    const refused = burst.filter((s) => s === 429).length;
    assert.ok(refused >= 15, `the burst was refused beyond 10: ${refused} of 30`);
    await waitUntil('the 429s counted on the page', 10_000, async () => Number((await page.textContent('#gateway-limits tr[data-limit="read"] .in-window')) ?? 0) >= refused);
    await page.waitForSelector('#gateway-refused td.client:text-is("id:dashboard-flooder")', { timeout: 10_000 });

    // The voter gone: the gateway's reads find nobody, its breaker opens, and the page shows it.
    await system!.stopService('voter-svc');
    try {
      await waitUntil('the voter breaker open on the page', 30_000, async () => {
        await fetch(`${gateway}/inventory/PROD-002`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        return (await page.getAttribute(row('voter'), 'data-breaker')) === 'open';
      });
      assert.equal(await page.getAttribute(row('orders'), 'data-breaker'), 'closed', 'one breaker per upstream');
      await screenshot('gateway-breaker-open');
    } finally {
      system!.startService('voter-svc');
    }
    await system!.waitHealthy('voter-svc', 60_000);
    await waitUntil('the voter breaker closed again on the page', 30_000, async () => {
      await fetch(`${gateway}/inventory/PROD-002`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      return (await page.getAttribute(row('voter'), 'data-breaker')) === 'closed';
    });
  });

  test('shows the saga: orders by status as orders-svc counts them, the payment breaker opening and closing, the emails waiting while mail is down', async () => {
    const urls = system!.urls;
    const fault = async (url: string, type: 'down' | 'clear') => {
      const res = await fetch(`${url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ type }) });
      assert.equal(res.status, 200, `${type} at ${url}`);
    };
    const shown = async (id: string) => Number(((await page.textContent(`#${id}`)) ?? '').replace(/,/g, ''));
    const stats = async <T,>(url: string, schema: { parse: (x: unknown) => T }): Promise<T> => schema.parse(await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json());
    await page.waitForSelector('#saga-panel[data-available="true"]', { timeout: 10_000 });
    await page.waitForSelector('#payment-breaker[data-breaker="closed"]', { timeout: 10_000 });
    // The background orders are confirmed one after another: the page catches up with orders-svc's count within a tick or two.
    await waitUntil('the confirmed count on the page is orders-svc\'s', 15_000, async () => {
      const { counts } = await stats(`${urls['orders-svc']}/orders/stats`, orderStatsResponse);
      return (counts.CONFIRMED ?? 0) >= 1 && (await shown('saga-confirmed')) === counts.CONFIRMED;
    });

    await fault(urls['mail-sink'], 'down');
    try {
      await waitUntil('emails waiting on the page while mail is down', 30_000, async () => (await shown('emails-waiting')) >= 2);
      const pending = (await stats(`${urls['notification-svc']}/notifications/stats`, notificationStatsResponse)).pending;
      assert.ok(pending >= 2, `notification-svc says ${pending} waiting`);
      await screenshot('saga-mail-down');
    } finally {
      await fault(urls['mail-sink'], 'clear');
    }
    await waitUntil('no email waiting once mail is back', 30_000, async () => (await shown('emails-waiting')) === 0);

    await fault(urls['payment-gateway'], 'down');
    try {
      await waitUntil('the payment breaker open on the page', 30_000, async () => (await page.getAttribute('#payment-breaker', 'data-breaker')) === 'open');
      assert.ok((await shown('payment-breaker-opens')) >= 1);
      assert.equal((await stats(`${urls['payment-svc']}/payments/stats`, paymentStatsResponse)).breaker_opens, await shown('payment-breaker-opens'));
      await screenshot('saga-breaker-open');
    } finally {
      await fault(urls['payment-gateway'], 'clear');
    }
    // After PAYMENT_BREAKER_HALF_OPEN_MS one trial charge goes through, and its success closes the breaker.
    await waitUntil('the payment breaker closed again on the page', 45_000, async () => (await page.getAttribute('#payment-breaker', 'data-breaker')) === 'closed');
  });

  test('the page never logged an error', () => {
    assert.deepEqual(pageErrors, []);
  });
});

describe('dashboard routes', () => {
  test('fault proxy: validates the replica and the body before forwarding anything', async () => {
    const post = (instance: string, body: unknown, token: string | null = TOKEN) =>
      fetch(`${monitorUrl}/dashboard/faults/${instance}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });
    let res = await post('4', { type: 'clear' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { field: string }).field, 'params');
    res = await post('1', { type: 'latency', latency_ms: -5 });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { field: string }).field, 'latency_ms');
    res = await post('1', { type: 'clear' }, null);
    assert.equal(res.status, 401);
    res = await post('3', { type: 'clear' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { instance_id: '3', fault: null });
  });

  test('report: "no report yet", then the latest report rendered with its chart; no other file is reachable', async () => {
    let res = await fetch(`${monitorUrl}/dashboard/report`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /No report yet/);
    assert.equal((await fetch(`${monitorUrl}/dashboard/report/timeline.svg`)).status, 404);

    const latest = path.join(reportsDir, 'latest');
    fs.mkdirSync(latest, { recursive: true });
    fs.writeFileSync(
      path.join(latest, 'report.md'),
      '# Experiment <script>alert(1)</script>\n\n**2 of 3 targets met.**\n\n| fault | TTD |\n| --- | --- |\n| crash a\\|b | 120 ms |\n\n![timeline](timeline.svg)\n',
    );
    fs.writeFileSync(path.join(latest, 'timeline.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
    fs.writeFileSync(path.join(latest, 'secret.txt'), 'not for the web');

    res = await fetch(`${monitorUrl}/dashboard/report`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<h1>Experiment &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h1>/);
    assert.match(html, /<strong>2 of 3 targets met\.<\/strong>/);
    assert.match(html, /<td>crash a\|b<\/td>\s*<td>120 ms<\/td>/);
    assert.match(html, /<img src="\/dashboard\/report\/timeline\.svg" alt="timeline">/);
    res = await fetch(`${monitorUrl}/dashboard/report/timeline.svg`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);

    for (const probe of ['/dashboard/report/secret.txt', '/dashboard/report/..%2f..%2fpackage.json', '/dashboard/assets/..%2f..%2fpackage.json', '/dashboard/report/%2e%2e/secret.txt']) {
      const r = await fetch(`${monitorUrl}${probe}`);
      assert.equal(r.status, 404, probe);
      assert.doesNotMatch(await r.text(), /not for the web|"workspaces"/, probe);
    }
    // The page's link follows within a tick.
    await page.waitForSelector('#report-link[data-available="true"]', { timeout: 5000 });
  });
});
