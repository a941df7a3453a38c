/**
 * Checks docker-compose.yml (and the Prometheus/Grafana files it mounts) against the services' own
 * configuration code, without a Docker engine:
 *
 *  - `docker-compose config -q` validates the file (Debian's docker-compose v1 works offline);
 *  - the normalised `docker-compose config` output is fed, service by service, to that service's
 *    exported `loadConfig(env)` from <svc>/dist/config.js, and what the service would do with it
 *    (listen port, Kafka brokers, database, peer URLs) must match the compose topology.
 *
 * Needs a prior `npx tsc -b` (it loads the compiled config modules) and the `docker-compose` binary
 * (`apt-get install -y docker-compose`); it fails, never skips, when either is missing.
 * Run: node --test scripts/dist/compose.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { REPLICA_IDS } from '@ftlab/shared';
import { REPO_ROOT } from './lib/paths';

const ROOT = REPO_ROOT;
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const TOKEN = 'compose-test-admin-token-0123456789';

// ---------------------------------------------------------------------------------------------
// Running docker-compose

/** An empty env file, so a developer's .env next to docker-compose.yml cannot change the result. */
const EMPTY_ENV_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-compose-test-')), 'empty.env');
fs.writeFileSync(EMPTY_ENV_FILE, '');
process.on('exit', () => fs.rmSync(path.dirname(EMPTY_ENV_FILE), { recursive: true, force: true }));

/** A minimal, explicit environment: nothing from the caller's shell leaks into interpolation. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: os.tmpdir(), LANG: 'C.UTF-8' };
  return { ...env, ...extra };
}

const MISSING_COMPOSE =
  'the docker-compose binary was not found on PATH. Install Debian\'s docker-compose package ' +
  '(apt-get update && apt-get install -y docker-compose): it validates compose files without a Docker engine. ' +
  'CI installs it; this test does not skip without it.';

function compose(args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const result = spawnSync('docker-compose', ['--env-file', EMPTY_ENV_FILE, '-f', COMPOSE_FILE, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') assert.fail(MISSING_COMPOSE);
  if (result.error) throw result.error;
  return result;
}

function composeMajorVersion(): number {
  const r = compose(['version', '--short'], childEnv());
  assert.equal(r.status, 0, `docker-compose version failed: ${r.stderr}`);
  const major = Number(/(\d+)\./.exec(r.stdout)?.[1]);
  assert.ok(Number.isInteger(major), `cannot read the docker-compose version from ${JSON.stringify(r.stdout)}`);
  return major;
}

/** YAML to a plain value, read as YAML 1.1 like docker-compose v1 (PyYAML) reads it: `yes` is true there. */
function yamlToJson(yamlText: string, what: string): unknown {
  try {
    return YAML.parse(yamlText, { version: '1.1' }) as unknown;
  } catch (err) {
    return assert.fail(`could not parse ${what} as YAML: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The normalised compose model

interface PortMapping {
  hostIp?: string;
  published?: number;
  target: number;
  protocol: string;
}

interface Service {
  name: string;
  image?: string;
  build?: unknown;
  command?: string[];
  environment: Record<string, string>;
  ports: PortMapping[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  depends_on: Record<string, { condition: string }>;
  profiles: string[];
  volumes: string[];
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} should be a mapping`);
  return v as Record<string, unknown>;
}

function parsePort(entry: unknown, where: string): PortMapping {
  if (typeof entry === 'number') return { target: entry, protocol: 'tcp' };
  if (typeof entry === 'string') {
    // [host_ip:][published:]target[/protocol]
    const m = /^(?:(?:(\[[^\]]+\]|[\d.]+):)?(\d+)?:)?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(entry);
    assert.ok(m, `${where}: unsupported port syntax ${JSON.stringify(entry)}`);
    return {
      ...(m[1] ? { hostIp: m[1] } : {}),
      ...(m[2] ? { published: Number(m[2]) } : {}),
      target: Number(m[3]),
      protocol: m[4] ?? 'tcp',
    };
  }
  const o = asRecord(entry, where);
  return {
    ...(o.host_ip ? { hostIp: String(o.host_ip) } : {}),
    ...(o.published !== undefined && o.published !== '' ? { published: Number(o.published) } : {}),
    target: Number(o.target),
    protocol: String(o.protocol ?? 'tcp'),
  };
}

function toStringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

function normaliseEnvironment(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((kv) => {
        const s = String(kv);
        const i = s.indexOf('=');
        return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  // Environment variables are strings: YAML numbers and booleans become what a process would see.
  return Object.fromEntries(Object.entries(asRecord(v, where)).map(([k, val]) => [k, val === null ? '' : String(val)]));
}

function normaliseDependsOn(v: unknown, where: string): Record<string, { condition: string }> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [String(n), { condition: 'service_started' }]));
  return Object.fromEntries(
    Object.entries(asRecord(v, where)).map(([k, d]) => [k, { condition: String(asRecord(d, `${where}.${k}`).condition ?? 'service_started') }]),
  );
}

function volumeString(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  const o = asRecord(v, where);
  return `${String(o.source ?? '')}:${String(o.target ?? '')}${o.read_only ? ':ro' : ''}`;
}

function loadComposeModel(): Map<string, Service> {
  const env = childEnv({ ADMIN_TOKEN: TOKEN });
  let raw: unknown;
  if (composeMajorVersion() >= 2) {
    const r = compose(['config', '--format', 'json'], env);
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    raw = JSON.parse(r.stdout) as unknown;
  } else {
    const r = compose(['config'], env);
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    raw = yamlToJson(r.stdout, 'docker-compose config output');
  }
  const services = asRecord(asRecord(raw, 'compose config').services, 'services');
  const model = new Map<string, Service>();
  for (const [name, value] of Object.entries(services)) {
    const s = asRecord(value, `services.${name}`);
    const hc = s.healthcheck === undefined ? undefined : asRecord(s.healthcheck, `services.${name}.healthcheck`);
    model.set(name, {
      name,
      ...(s.image !== undefined ? { image: String(s.image) } : {}),
      ...(s.build !== undefined ? { build: s.build } : {}),
      ...(s.command !== undefined ? { command: toStringList(s.command) } : {}),
      environment: normaliseEnvironment(s.environment, `services.${name}.environment`),
      ports: ((s.ports as unknown[] | undefined) ?? []).map((p, i) => parsePort(p, `services.${name}.ports[${i}]`)),
      ...(hc ? { healthcheck: { test: hc.test as string[] | string, disable: hc.disable === true } } : {}),
      ...(s.restart !== undefined ? { restart: String(s.restart) } : {}),
      depends_on: normaliseDependsOn(s.depends_on, `services.${name}.depends_on`),
      profiles: (toStringList(s.profiles) ?? []),
      volumes: ((s.volumes as unknown[] | undefined) ?? []).map((v, i) => volumeString(v, `services.${name}.volumes[${i}]`)),
    });
  }
  return model;
}

// ---------------------------------------------------------------------------------------------
// The services' own configuration code

interface LoadedConfig {
  HOST: string;
  KAFKA_BROKERS: string[];
  DATABASE_URL: string;
  endpoints: { orders: string; inventory: Record<string, string>; monitor: string; voter: string };
  [key: string]: unknown;
}

type LoadConfig = (env: NodeJS.ProcessEnv) => LoadedConfig;

function loadConfigOf(workspace: string): LoadConfig {
  const file = path.join(ROOT, workspace, 'dist', 'config.js');
  assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} is missing: run \`npx tsc -b\` before this test`);
  const mod = require(file) as { loadConfig?: unknown };
  assert.equal(typeof mod.loadConfig, 'function', `${workspace}/dist/config.js must export loadConfig(env)`);
  return mod.loadConfig as LoadConfig;
}

/** The port each service's main.ts passes to listen(). */
const LISTEN_PORT: Record<string, (c: LoadedConfig) => unknown> = {
  'orders-svc': (c) => c.ORDERS_PORT,
  'inventory-svc': (c) => c.port,
  'monitor-svc': (c) => c.port,
  'voter-svc': (c) => c.VOTER_PORT,
  'gateway-svc': (c) => c.GATEWAY_PORT,
  'payment-svc': (c) => c.PAYMENT_SVC_PORT,
  'notification-svc': (c) => c.NOTIFICATION_SVC_PORT,
};

/**
 * Service workspaces: every workspace in package.json except the shared library, the tools and
 * the simulators of the outside world (externals/), which are not services of ours.
 */
function serviceWorkspaces(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return pkg.workspaces.filter((w) => w !== 'shared' && w !== 'scripts' && !w.startsWith('externals/'));
}

interface AppService {
  service: Service;
  workspace: string;
  config: LoadedConfig;
  port: number;
}

/** The simulators of the outside world (externals/): built from this repo too, but not services of ours. */
const SIMULATOR_COMMAND = /^externals\/([\w-]+)\/dist\/main\.js$/;

function isSimulator(s: Service): boolean {
  return s.build !== undefined && SIMULATOR_COMMAND.test(s.command?.[1] ?? '');
}

function isAppService(s: Service): boolean {
  return s.build !== undefined && !isSimulator(s);
}

/** Every service built from this repo, with the config its own code derives from its environment. */
function loadAppServices(model: Map<string, Service>): Map<string, AppService> {
  const apps = new Map<string, AppService>();
  for (const s of model.values()) {
    if (!isAppService(s)) continue;
    const cmd = s.command ?? [];
    const m = cmd.length === 2 && cmd[0] === 'node' ? /^([\w.-]+)\/dist\/main\.js$/.exec(cmd[1] ?? '') : null;
    assert.ok(m, `${s.name}: command should be ["node", "<workspace>/dist/main.js"], got ${JSON.stringify(cmd)}`);
    const workspace = m[1]!;
    assert.ok(serviceWorkspaces().includes(workspace), `${s.name}: ${workspace} is not a service workspace`);
    assert.ok(fs.existsSync(path.join(ROOT, workspace, 'dist', 'main.js')), `${s.name}: ${workspace}/dist/main.js is not built`);
    const listenPort = LISTEN_PORT[workspace];
    assert.ok(listenPort, `${workspace}: this test does not know which config field it listens on; add it to LISTEN_PORT`);

    let config: LoadedConfig;
    try {
      config = loadConfigOf(workspace)({ ...s.environment });
    } catch (err) {
      assert.fail(`${s.name}: ${workspace}'s loadConfig rejects the compose environment: ${(err as Error).message}`);
    }
    // zod drops variables it does not know, so a misspelt name would silently fall back to a default.
    for (const key of Object.keys(s.environment)) {
      assert.ok(key in config, `${s.name}: ${key} is set in docker-compose.yml but ${workspace} does not read it`);
    }
    const port = listenPort(config);
    assert.ok(typeof port === 'number' && Number.isInteger(port), `${s.name}: no listen port in ${workspace}'s config`);
    apps.set(s.name, { service: s, workspace, config, port });
  }
  return apps;
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

function healthTest(s: Service): string[] {
  const t = s.healthcheck?.test;
  return Array.isArray(t) ? t : typeof t === 'string' ? ['CMD-SHELL', t] : [];
}

// ---------------------------------------------------------------------------------------------
// Tests

test('docker-compose config -q accepts docker-compose.yml', () => {
  const r = compose(['config', '-q'], childEnv({ ADMIN_TOKEN: TOKEN }));
  assert.equal(r.status, 0, `docker-compose config -q exited ${r.status}:\n${r.stderr}`);
});

test('ADMIN_TOKEN has no default: config fails without it, naming the variable', () => {
  const r = compose(['config', '-q'], childEnv());
  assert.notEqual(r.status, 0, 'docker-compose config succeeded without ADMIN_TOKEN: the admin API would run with a default token');
  assert.match(r.stderr, /ADMIN_TOKEN/);
});

test('compose topology matches the services\' own configuration', async (t) => {
  const model = loadComposeModel();
  const apps = loadAppServices(model);

  await t.test('one service per service workspace, one inventory per replica id, two monitors', () => {
    const byWorkspace = new Map<string, AppService[]>();
    for (const a of apps.values()) byWorkspace.set(a.workspace, [...(byWorkspace.get(a.workspace) ?? []), a]);
    for (const ws of serviceWorkspaces()) assert.ok(byWorkspace.has(ws), `no compose service runs ${ws}`);
    const inventory = byWorkspace.get('inventory-svc') ?? [];
    assert.deepEqual(
      inventory.map((a) => a.service.environment.INSTANCE_ID).sort(),
      [...REPLICA_IDS].sort(),
      'inventory services should have INSTANCE_ID 1, 2 and 3, once each',
    );
    const monitors = byWorkspace.get('monitor-svc') ?? [];
    assert.deepEqual(
      monitors.map((a) => a.service.environment.MONITOR_INSTANCE).sort(),
      ['1', '2'],
      'monitor services should have MONITOR_INSTANCE 1 and 2, once each (one leads, the other is hot)',
    );
    for (const ws of serviceWorkspaces().filter((w) => w !== 'inventory-svc' && w !== 'monitor-svc')) {
      assert.equal(byWorkspace.get(ws)?.length, 1, `${ws} should run exactly once`);
    }
  });

  await t.test('each service listens on 0.0.0.0 at the port it publishes 1:1', () => {
    const seen = new Map<number, string>();
    for (const [name, a] of apps) {
      assert.equal(a.config.HOST, '0.0.0.0', `${name}: HOST must be 0.0.0.0 in a container, or nothing outside it can connect`);
      const published = a.service.ports.filter((p) => p.target === a.port);
      assert.equal(published.length, 1, `${name}: listens on ${a.port} but publishes ${JSON.stringify(a.service.ports)}`);
      assert.equal(published[0]!.published, a.port, `${name}: container port ${a.port} should be published as ${a.port}`);
      assert.equal(seen.get(a.port), undefined, `${name} and ${seen.get(a.port)} both listen on ${a.port}`);
      seen.set(a.port, name);
    }
  });

  await t.test('each service reaches its peers at compose hostnames and their listen ports', () => {
    for (const [name, a] of apps) {
      const e = a.config.endpoints;
      const expect = (url: string, what: string, workspace: string, instance?: string) => {
        const { host, port } = hostPort(url);
        const peer = apps.get(host);
        assert.ok(peer, `${name}: ${what} is ${url}, but ${host} is not a service in docker-compose.yml (set the *_URL variable)`);
        assert.equal(peer.workspace, workspace, `${name}: ${what} points at ${host}, which runs ${peer.workspace}`);
        if (instance) assert.equal(peer.service.environment.INSTANCE_ID, instance, `${name}: ${what} points at ${host}, which is replica ${peer.service.environment.INSTANCE_ID}`);
        assert.equal(port, peer.port, `${name}: ${what} uses port ${port}, but ${host} listens on ${peer.port}`);
      };
      expect(e.orders, 'orders URL', 'orders-svc');
      expect(e.monitor, 'monitor URL', 'monitor-svc');
      expect(e.voter, 'voter URL', 'voter-svc');
      for (const id of REPLICA_IDS) expect(e.inventory[id] ?? '', `inventory ${id} URL`, 'inventory-svc', id);
    }
  });

  await t.test('each service reaches Kafka and Postgres inside the network', () => {
    for (const [name, a] of apps) {
      assert.ok(a.config.KAFKA_BROKERS.length > 0, `${name}: no Kafka brokers`);
      for (const broker of a.config.KAFKA_BROKERS) {
        const [host, port] = broker.split(':');
        const kafka = model.get(host ?? '');
        assert.ok(kafka, `${name}: broker ${broker} is not a compose service`);
        const advertised = kafka.environment.KAFKA_ADVERTISED_LISTENERS ?? '';
        assert.ok(advertised.split(',').some((l) => l.endsWith(`//${host}:${port}`)), `${name}: ${broker} is not among ${host}'s advertised listeners (${advertised})`);
        const listeners = kafka.environment.KAFKA_LISTENERS ?? '';
        assert.ok(listeners.split(',').some((l) => l.endsWith(`:${port}`)), `${name}: ${host} has no listener on port ${port} (${listeners})`);
      }
      const db = new URL(a.config.DATABASE_URL);
      const pg = model.get(db.hostname);
      assert.ok(pg, `${name}: DATABASE_URL host ${db.hostname} is not a compose service`);
      assert.match(pg.image ?? '', /^postgres:/, `${name}: DATABASE_URL points at ${db.hostname}, which is not a postgres image`);
      assert.equal(Number(db.port || 5432), 5432, `${name}: DATABASE_URL port`);
      assert.equal(decodeURIComponent(db.pathname.slice(1)), pg.environment.POSTGRES_DB, `${name}: DATABASE_URL database vs POSTGRES_DB`);
      assert.equal(db.username || 'postgres', pg.environment.POSTGRES_USER ?? 'postgres', `${name}: DATABASE_URL user`);
      if (!db.password) assert.equal(pg.environment.POSTGRES_HOST_AUTH_METHOD, 'trust', `${name}: DATABASE_URL has no password, so postgres must trust`);
    }
  });

  await t.test('services start after Kafka and Postgres are healthy', () => {
    for (const [name, a] of apps) {
      for (const infra of ['kafka', 'postgres']) {
        assert.equal(a.service.depends_on[infra]?.condition, 'service_healthy', `${name} should depend on ${infra} with condition service_healthy`);
      }
    }
    for (const s of model.values()) {
      for (const [dep, { condition }] of Object.entries(s.depends_on)) {
        const target = model.get(dep);
        assert.ok(target, `${s.name} depends on unknown service ${dep}`);
        if (condition === 'service_healthy') assert.ok(target.healthcheck && !target.healthcheck.disable, `${s.name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      }
    }
  });

  await t.test('every service has a healthcheck and a restart policy', () => {
    for (const s of model.values()) {
      assert.ok(s.healthcheck && !s.healthcheck.disable && healthTest(s).length > 1, `${s.name}: no healthcheck`);
      assert.ok(['always', 'unless-stopped'].includes(s.restart ?? ''), `${s.name}: restart should be always or unless-stopped, is ${s.restart}`);
    }
  });

  await t.test('app healthchecks probe /health on the listen port and follow its status', async () => {
    for (const [name, a] of apps) {
      const cmd = healthTest(a.service);
      assert.equal(cmd[0], 'CMD', `${name}: healthcheck should be an exec-form CMD (no shell in the check)`);
      assert.equal(cmd[1], 'node', `${name}: healthcheck should run node (the slim image has no curl/wget)`);
      const url = `http://127.0.0.1:${a.port}/health`;
      const script = cmd.slice(2);
      assert.ok(script.join(' ').includes(url), `${name}: healthcheck should fetch ${url}: ${JSON.stringify(cmd)}`);
      // Run the check itself against a stand-in server: exit 0 on 200, non-zero on 503.
      for (const status of [200, 503]) {
        const server = http.createServer((req, res) => {
          res.statusCode = req.url === '/health' ? status : 404;
          res.end('{}');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const stand = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
        const args = script.map((arg) => arg.split(url).join(stand));
        const exit = await new Promise<number | null>((resolve) => {
          spawn(process.execPath, args, { stdio: 'ignore' }).on('exit', (code) => resolve(code));
        });
        server.close();
        if (status === 200) assert.equal(exit, 0, `${name}: healthcheck failed against a healthy /health`);
        else assert.notEqual(exit, 0, `${name}: healthcheck passed against a 503 /health`);
      }
    }
  });

  await t.test('the simulators run from their own config, on 0.0.0.0, publish their ports 1:1 and are probed on /health', () => {
    const simulators = [...model.values()].filter(isSimulator);
    assert.deepEqual(simulators.map((s) => s.name).sort(), ['mail-sink', 'payment-gateway']);
    const listens: Record<string, (c: LoadedConfig) => unknown[]> = {
      'payment-gateway': (c) => [c.PAYMENT_GATEWAY_PORT],
      'mail-sink': (c) => [c.MAIL_SINK_HTTP_PORT, c.MAIL_SINK_SMTP_PORT],
    };
    for (const s of simulators) {
      const folder = SIMULATOR_COMMAND.exec(s.command![1]!)![1]!;
      const config = loadConfigOf(path.join('externals', folder))({ ...s.environment });
      for (const key of Object.keys(s.environment)) assert.ok(key in config, `${s.name}: ${key} is set in docker-compose.yml but it does not read it`);
      assert.equal(config.HOST, '0.0.0.0', `${s.name}: HOST`);
      const ports = listens[s.name]!(config);
      assert.deepEqual(s.ports.map((p) => p.target).sort(), [...ports].sort(), `${s.name}: publishes ${JSON.stringify(s.ports)}`);
      for (const p of s.ports) assert.equal(p.published, p.target, `${s.name}: port ${p.target} published 1:1`);
      assert.ok(healthTest(s).join(' ').includes(`http://127.0.0.1:${ports[0]}/health`), `${s.name}: healthcheck should fetch its /health`);
      assert.deepEqual(s.profiles, [], `${s.name} must start without a profile`);
    }
  });

  await t.test('kafka: official image, KRaft single node, auto-create off', () => {
    const kafka = model.get('kafka');
    assert.ok(kafka, 'no kafka service');
    const env = kafka.environment;
    assert.match(kafka.image ?? '', /^apache\/kafka:/);
    assert.equal(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false', 'topics must not be auto-created');
    assert.deepEqual((env.KAFKA_PROCESS_ROLES ?? '').split(',').map((r) => r.trim()).sort(), ['broker', 'controller']);
    assert.ok((env.KAFKA_CONTROLLER_QUORUM_VOTERS ?? '').split(',').includes(`${env.KAFKA_NODE_ID}@kafka:9093`), 'the node must be the only controller voter');
    const id = env.CLUSTER_ID ?? '';
    assert.equal(Buffer.from(id, 'base64url').length, 16, 'CLUSTER_ID must be a base64url-encoded 16-byte UUID');
    assert.equal(Buffer.from(id, 'base64url').toString('base64url'), id, 'CLUSTER_ID must be a base64url-encoded 16-byte UUID');
    for (const k of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']) {
      assert.equal(env[k], '1', `${k} must be 1 on a single node`);
    }
  });

  await t.test('postgres: init.sql mounted into the init directory', () => {
    const pg = model.get('postgres');
    assert.ok(pg, 'no postgres service');
    assert.equal(pg.image, 'postgres:15');
    assert.equal(pg.environment.POSTGRES_DB, 'ftlab');
    const mount = pg.volumes.find((v) => v.split(':')[1]?.startsWith('/docker-entrypoint-initdb.d/'));
    assert.ok(mount, `init.sql is not mounted into /docker-entrypoint-initdb.d: ${JSON.stringify(pg.volumes)}`);
    assert.equal(path.resolve(ROOT, mount.split(':')[0]!), path.join(ROOT, 'init.sql'));
    assert.match(mount.split(':')[1]!, /\.sql$/, 'the entrypoint only runs *.sql, *.sql.gz and *.sh');
  });

  await t.test('observability is opt-in and scrapes every service', () => {
    for (const [name, a] of apps) assert.deepEqual(a.service.profiles, [], `${name} must start without a profile`);
    for (const name of ['prometheus', 'grafana']) {
      assert.deepEqual(model.get(name)?.profiles, ['observability'], `${name} should be in the observability profile`);
    }
    const prom = asRecord(yamlToJson(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'), 'prometheus.yml'), 'prometheus.yml');
    const targets = new Set<string>();
    for (const job of (prom.scrape_configs as Record<string, unknown>[] | undefined) ?? []) {
      assert.equal(job.metrics_path ?? '/metrics', '/metrics');
      for (const sc of (job.static_configs as Record<string, unknown>[] | undefined) ?? []) {
        for (const target of (sc.targets as string[] | undefined) ?? []) targets.add(target);
      }
    }
    const expected = [...apps].map(([name, a]) => `${name}:${a.port}`).sort();
    assert.deepEqual([...targets].sort(), expected, 'prometheus.yml should scrape exactly every app service at its listen port');

    const dashboardDir = path.join(ROOT, 'deploy/grafana/dashboards');
    const exprs: string[] = [];
    const uids = new Set<string>();
    const walk = (panels: unknown[]) => {
      for (const p of panels as Record<string, unknown>[]) {
        for (const target of (p.targets as Record<string, unknown>[] | undefined) ?? []) {
          exprs.push(String(target.expr ?? ''));
          const ds = target.datasource as { uid?: string } | undefined;
          if (ds?.uid) uids.add(ds.uid);
        }
        walk((p.panels as unknown[] | undefined) ?? []);
      }
    };
    for (const f of fs.readdirSync(dashboardDir).filter((f) => f.endsWith('.json'))) {
      walk((JSON.parse(fs.readFileSync(path.join(dashboardDir, f), 'utf8')) as { panels: unknown[] }).panels);
    }
    for (const metric of [
      'monitor_instance_up',
      'monitor_probe_duration_seconds',
      'monitor_transitions_total',
      'voter_requests_total',
      'voter_outliers_total',
      'voter_fanout_duration_seconds',
      'orders_decisions_total',
      'http_request_duration_seconds',
    ]) {
      assert.ok(exprs.some((e) => e.includes(metric)), `no dashboard panel queries ${metric}`);
    }
    const dsFile = yamlToJson(fs.readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'), 'datasource');
    const provisioned = new Set(((asRecord(dsFile, 'datasources').datasources as { uid?: string }[] | undefined) ?? []).map((d) => d.uid));
    for (const uid of uids) assert.ok(provisioned.has(uid), `dashboards use datasource uid ${uid}, which is not provisioned`);
  });
});
