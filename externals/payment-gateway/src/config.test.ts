import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_DATABASE_URL } from '@ftlab/shared';
import { loadConfig } from './config';

test("defaults: port 5010, the services' database, a few ms of latency, admin routes closed", () => {
  const config = loadConfig({});
  assert.equal(config.PAYMENT_GATEWAY_PORT, 5010);
  assert.equal(config.databaseUrl, DEFAULT_DATABASE_URL);
  assert.equal(config.PAYMENT_GATEWAY_BASE_LATENCY_MS, 5);
  assert.equal(config.ADMIN_TOKEN, undefined);
});

test('the ledger database is PAYMENT_GATEWAY_DATABASE_URL, else DATABASE_URL', () => {
  const services = 'postgres://u@db:5432/ftlab';
  const own = 'postgres://u@db:5432/gateway';
  assert.equal(loadConfig({ DATABASE_URL: services }).databaseUrl, services);
  assert.equal(loadConfig({ DATABASE_URL: services, PAYMENT_GATEWAY_DATABASE_URL: own }).databaseUrl, own);
});

test('a bad variable is a ConfigError naming it', () => {
  assert.throws(() => loadConfig({ PAYMENT_GATEWAY_DATABASE_URL: 'mysql://x' }), (err: Error) => err instanceof ConfigError && /PAYMENT_GATEWAY_DATABASE_URL/.test(err.message));
  assert.throws(() => loadConfig({ PAYMENT_GATEWAY_PORT: '70000' }), /PAYMENT_GATEWAY_PORT/);
  assert.throws(() => loadConfig({ ADMIN_TOKEN: 'short' }), /ADMIN_TOKEN/);
});
