import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory } from './check';
import { O2, goodHistory } from './history.fixture';
import { renderVerdictMarkdown, verdictJson } from './render';

test('a passing verdict renders as PASS with one row per check and no violations list', () => {
  const md = renderVerdictMarkdown(checkHistory(goodHistory()));
  assert.match(md, /^## History check\n\n\*\*PASS\*\*: 7 of 7 checks without a violation/);
  assert.match(md, /- ✅ pass `orders_decided`: .*\. 3 accepted order\(s\), all decided/);
  assert.match(md, /- ➖ not applicable `payments`: .*\. not applicable: no payment ledger/);
  assert.match(md, /place_order 3 accepted, 2 indeterminate/);
  assert.doesNotMatch(md, /Violations/);
});

test('a failing verdict renders as FAIL and lists the offending ids under the failed check', () => {
  const h = goodHistory();
  h.final.orders = h.final.orders.filter((o) => o.orderId !== O2);
  const md = renderVerdictMarkdown(checkHistory(h));
  assert.match(md, /\*\*FAIL\*\*/);
  assert.match(md, /- ❌ fail `orders_decided`: .*\. 1 violation\(s\)\./);
  assert.match(md, new RegExp(`Violations of \`orders_decided\`:\n\n- lost order ${O2}`));
});

test('the JSON form names the failed checks and survives a round trip', () => {
  const h = goodHistory();
  h.final.replicas['2']!.stock['PROD-002'] = { available: 0, reserved: 0 };
  const json = verdictJson(checkHistory(h));
  assert.equal(json.ok, false);
  assert.deepEqual(json.failed, ['no_oversell', 'replicas_converged', 'applied_once', 'no_divergent_replica']);
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
});
