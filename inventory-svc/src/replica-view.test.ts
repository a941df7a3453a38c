import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HISTORY_LENGTH, ReplicaView, type ProductChange } from './replica-view';
import { Ledger } from './state-machine';

const P = 'PROD-001';
const change = (offset: number, available: number): ProductChange => ({ product_id: P, offset, available_quantity: available, reserved_quantity: 100 - available });

function committed(view: ReplicaView, positions: Map<number, number>, changes: ProductChange[]): void {
  const last = changes[changes.length - 1]!;
  const ledger = new Ledger();
  ledger.putStock({ product_id: P, available_quantity: last.available_quantity, reserved_quantity: last.reserved_quantity, partition: 1 });
  positions.set(1, last.offset + 1);
  view.commit(ledger, changes);
}

test('a read with history carries every change of the product, oldest first, the last being the value answered', () => {
  const positions = new Map<number, number>();
  const view = new ReplicaView(() => positions, () => true);
  committed(view, positions, [change(3, 99), change(5, 98)]);
  committed(view, positions, [change(8, 97)]);
  assert.equal(view.get(P)?.history, undefined, 'only when asked');
  const read = view.get(P, true)!;
  assert.deepEqual(read.history?.map((c) => [c.offset, c.available_quantity]), [[3, 99], [5, 98], [8, 97]]);
  assert.deepEqual([read.available_quantity, read.position], [97, { partition: 1, offset: 8 }]);
});

test('the history keeps the latest changes only, and a reload starts it afresh', () => {
  const positions = new Map<number, number>();
  const view = new ReplicaView(() => positions, () => true);
  committed(view, positions, Array.from({ length: HISTORY_LENGTH + 10 }, (_, k) => change(k, 100 - k)));
  const history = view.get(P, true)!.history!;
  assert.equal(history.length, HISTORY_LENGTH);
  assert.equal(history[0]!.offset, 10);
  view.reset([{ product_id: P, available_quantity: 50, reserved_quantity: 50, partition: 1 }]);
  assert.deepEqual(view.get(P, true)!.history, []);
});
