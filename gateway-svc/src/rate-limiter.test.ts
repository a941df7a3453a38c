import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limiterDatabaseUrl } from './rate-limiter';

test("the limiter's sessions commit without waiting for the WAL flush, other options kept", () => {
  assert.equal(new URL(limiterDatabaseUrl('postgres://postgres@127.0.0.1:5432/ftlab')).searchParams.get('options'), '-c synchronous_commit=off');
  const kept = new URL(limiterDatabaseUrl('postgres://u@h/db?options=-c%20statement_timeout%3D5000&sslmode=disable'));
  assert.equal(kept.searchParams.get('options'), '-c statement_timeout=5000 -c synchronous_commit=off');
  assert.equal(kept.searchParams.get('sslmode'), 'disable');
  assert.equal(kept.pathname, '/db');
});
