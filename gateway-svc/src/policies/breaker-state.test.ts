import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitState } from 'cockatiel';
import { breakerGaugeValue, breakerStateName, upstreamOut } from './breaker-state';

test('every cockatiel state has a name and a distinct gauge value, closed being 0', () => {
  const names = [CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen, CircuitState.Isolated].map(breakerStateName);
  assert.deepEqual(names, ['closed', 'open', 'half_open', 'isolated']);
  const values = names.map(breakerGaugeValue);
  assert.equal(values[0], 0);
  assert.equal(new Set(values).size, 4);
});

test('only a closed breaker means the upstream is in', () => {
  assert.equal(upstreamOut('closed'), false);
  assert.equal(upstreamOut('open'), true);
  assert.equal(upstreamOut('half_open'), true);
  assert.equal(upstreamOut('isolated'), true);
});
