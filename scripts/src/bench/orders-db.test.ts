import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareDatabase } from '@ftlab/shared';
import { freshDatabaseUrl } from '../lib/testing';
import { benchProducts, orderTimings, productsOnEveryReplica, waitDecided } from './orders-db';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

test('orders benchmark reads decision times, waits for decisions, counts restocked products', { timeout: 60_000 }, async () => {
  const pool = await prepareDatabase(await freshDatabaseUrl('bench_orders_db'), 2);
  try {
    await pool.query(
      `INSERT INTO orders (order_id, product_id, quantity, status, created_at, decided_at) VALUES
         ($1, 'P', 1, 'CONFIRMED', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.120Z'),
         ($2, 'P', 1, 'REJECTED',  '2025-01-01T00:00:01.000Z', '2025-01-01T00:00:01.005Z'),
         ($3, 'P', 1, 'PENDING',   '2025-01-01T00:00:02.000Z', NULL)`,
      [ID(1), ID(2), ID(3)],
    );
    const timings = (await orderTimings(pool, [ID(1), ID(2), ID(3)])).sort((a, b) => a.createdMs - b.createdMs);
    assert.deepEqual(
      timings.map((t) => [t.status, t.decidedMs === null ? null : Math.round(t.decidedMs - t.createdMs)]),
      [['CONFIRMED', 120], ['REJECTED', 5], ['PENDING', null]],
    );

    // The pending one gets decided while we wait; a stalled wait gives up and says how many are left.
    setTimeout(() => void pool.query(`UPDATE orders SET status = 'CONFIRMED', decided_at = clock_timestamp() WHERE order_id = $1`, [ID(3)]), 300);
    assert.equal(await waitDecided(pool, [ID(1), ID(3)], 5000), 0);
    await pool.query(`INSERT INTO orders (order_id, product_id, quantity, status) VALUES ($1, 'P', 1, 'PENDING')`, [ID(4)]);
    assert.equal(await waitDecided(pool, [ID(4)], 600), 1);

    const products = benchProducts(2);
    assert.deepEqual(products, ['BENCH-0001', 'BENCH-0002']);
    const stock = (instance: string, product: string) =>
      pool.query(`INSERT INTO replica_stock VALUES ($1, $2, 10, 0, 0)`, [instance, product]);
    await stock('1', 'BENCH-0001');
    await stock('2', 'BENCH-0001');
    await stock('3', 'BENCH-0001');
    assert.equal(await productsOnEveryReplica(pool, products), 1);
    await stock('1', 'BENCH-0002');
    await stock('2', 'BENCH-0002');
    assert.equal(await productsOnEveryReplica(pool, products), 1, 'replica 3 does not have the second one yet');
    await stock('3', 'BENCH-0002');
    assert.equal(await productsOnEveryReplica(pool, products), 2);
  } finally {
    await pool.end();
  }
});
