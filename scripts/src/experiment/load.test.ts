import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '../load';
import { readSamples } from './load';

test('readSamples keeps reads only and maps unknown quorum to "no quorum"', () => {
  const base = { productId: 'PROD-001', at: 1000, latencyMs: 2, status: 200, outcome: 'ok', ok: true } as const;
  const samples: Sample[] = [
    { ...base, i: 0, kind: 'read', quorum: true, wrong: false },
    { ...base, i: 1, kind: 'order', status: 202, quorum: null, wrong: null },
    { ...base, i: 2, kind: 'read', status: 503, outcome: 'http_error', ok: false, quorum: null, wrong: null },
    { ...base, i: 3, kind: 'read', latencyMs: null, status: 0, outcome: 'dropped', ok: false, quorum: null, wrong: null },
  ];
  assert.deepEqual(readSamples(samples), [
    { at: 1000, latencyMs: 2, status: 200, quorum: true, wrong: false },
    { at: 1000, latencyMs: 2, status: 503, quorum: false, wrong: null },
    { at: 1000, latencyMs: null, status: 0, quorum: false, wrong: null },
  ]);
});
