import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentRefusals } from './recent-refusals';

test('counts refusals per limit over the window and forgets older ones; totals keep everything', () => {
  const r = new RecentRefusals(60_000, 3);
  r.record({ at: 1_000, client: 'id:a', limit: 'read' });
  r.record({ at: 30_000, client: 'id:b', limit: 'order' });
  r.record({ at: 59_000, client: 'id:a', limit: 'read' });
  assert.deepEqual(r.summary(60_000).in_window, { read: 2, order: 1 });
  const later = r.summary(62_000);
  assert.deepEqual(later.in_window, { read: 1, order: 1 }, 'the refusal at 1 s is out of the window ending at 62 s');
  assert.deepEqual(later.total, { read: 2, order: 1 });
  assert.deepEqual(later.latest.map((x) => x.client), ['id:a', 'id:b'], 'newest first, only those in the window');
});

test('keeps only the latest few refusals, however many come', () => {
  const r = new RecentRefusals(60_000, 3);
  for (let i = 0; i < 1000; i++) r.record({ at: 10_000 + i, client: `id:c${i}`, limit: 'order' });
  const s = r.summary(11_000);
  assert.equal(s.in_window.order, 1000);
  assert.deepEqual(s.latest.map((x) => x.client), ['id:c999', 'id:c998', 'id:c997']);
});
