import { majorityKey } from '../load/wrong-answers';
import type { History, OrderRow, ReservationRow } from './history';
import { verdictOf, type CheckVerdict } from './verdict';

/**
 * Checks on what clients were told about orders and restocks against the orders table and the
 * replicas' rows. An indeterminate request (timeout, refused connection) is never a violation:
 * it may or may not have taken effect, and either is allowed.
 */

const at = (ms: number) => new Date(ms).toISOString();

/** The replica reservation state each order status stands for. */
const HELD_AS: Record<Exclude<OrderRow['status'], 'PENDING' | 'RESERVED'>, ReservationRow['state']> = {
  CONFIRMED: 'RESERVED',
  REJECTED: 'REJECTED',
  CANCELLED: 'RELEASED',
};

/**
 * (a) Nothing accepted is lost: every order a client got 202 for is in the orders table once,
 * decided (CONFIRMED, REJECTED or CANCELLED: neither PENDING nor still paying, RESERVED) by the settle time, decided the way a majority of replicas hold it, and
 * every accepted cancel ended CANCELLED.
 */
export function checkOrdersDecided(history: History): CheckVerdict {
  const { operations, final, settledAtMs } = history;
  const bad: string[] = [];
  const byId = new Map<string, OrderRow>();
  for (const o of final.orders) {
    if (byId.has(o.orderId)) bad.push(`order ${o.orderId} appears more than once in the orders table`);
    byId.set(o.orderId, o);
  }
  const told = new Set<string>();
  for (const op of operations) {
    if (op.kind === 'place_order' && op.result.type === 'accepted') {
      const id = op.result.orderId;
      told.add(id);
      const row = byId.get(id);
      if (!row) bad.push(`lost order ${id}: told ${op.result.status} at ${at(op.completeMs)}, not in the orders table`);
      else if (row.productId !== op.productId || row.quantity !== op.quantity) {
        bad.push(`order ${id}: asked ${op.quantity} × ${op.productId}, the table holds ${row.quantity} × ${row.productId}`);
      }
    }
    if (op.kind === 'cancel_order' && op.result.type === 'accepted') {
      const row = byId.get(op.orderId);
      if (row?.status !== 'CANCELLED') bad.push(`order ${op.orderId}: cancel told ${op.result.status} at ${at(op.completeMs)}, order ends ${row?.status ?? 'missing'}`);
    }
  }
  const replicas = Object.values(final.replicas);
  for (const o of final.orders) {
    if (o.status === 'PENDING' || o.status === 'RESERVED') {
      bad.push(`order ${o.orderId} still ${o.status} at ${at(settledAtMs)}${told.has(o.orderId) ? ' (a client was told 202)' : ''}`);
      continue;
    }
    const states = replicas.map((r) => r.reservations[o.orderId]?.state ?? 'none');
    const held = majorityKey(states);
    if (held !== HELD_AS[o.status]) {
      bad.push(`order ${o.orderId} is ${o.status} but the replicas hold ${states.join('/')} (a majority must hold ${HELD_AS[o.status]})`);
    }
  }
  const accepted = told.size;
  return verdictOf(
    'orders_decided',
    'every accepted order exists once, is decided by the settle time, as the replicas hold it',
    bad,
    `${accepted} accepted order(s), all decided; ${final.orders.length} order(s) in the table`,
  );
}

export interface ProductBalance {
  productId: string;
  total: number;
  confirmed: number;
  /** total − confirmed: what every replica must have available. */
  available: number;
}

/** Per product: stock that entered the log and stock sold (CONFIRMED, not cancelled). */
export function balances(history: History): ProductBalance[] {
  const { final } = history;
  const total = new Map<string, number>(Object.entries(final.initialStock));
  for (const r of final.restocks) total.set(r.productId, (total.get(r.productId) ?? 0) + r.quantity);
  const confirmed = new Map<string, number>();
  for (const o of final.orders) if (o.status === 'CONFIRMED') confirmed.set(o.productId, (confirmed.get(o.productId) ?? 0) + o.quantity);
  const products = new Set([...total.keys(), ...confirmed.keys(), ...Object.values(final.replicas).flatMap((r) => Object.keys(r.stock))]);
  return [...products].sort().map((productId) => {
    const t = total.get(productId) ?? 0;
    const c = confirmed.get(productId) ?? 0;
    return { productId, total: t, confirmed: c, available: t - c };
  });
}

/**
 * (b) No oversell: per product, initial + restocks − confirmed ≥ 0, and every replica holds
 * exactly that as available and the confirmed quantity as reserved. Every restock a client was
 * told 202 for must have entered the log.
 */
export function checkNoOversell(history: History): CheckVerdict {
  const { final, operations } = history;
  const bad: string[] = [];
  const restocked = new Set(final.restocks.map((r) => r.eventId));
  for (const op of operations) {
    if (op.kind === 'restock' && op.result.type === 'accepted' && !restocked.has(op.result.eventId)) {
      bad.push(`restock ${op.result.eventId} of ${op.quantity} × ${op.productId}: told ${op.result.status}, not in the log's restocks`);
    }
  }
  const products = balances(history);
  for (const b of products) {
    if (b.available < 0) bad.push(`${b.productId} oversold: ${b.confirmed} confirmed of ${b.total} in stock (${-b.available} too many)`);
    for (const [id, replica] of Object.entries(final.replicas)) {
      const row = replica.stock[b.productId];
      if (!row) bad.push(`replica ${id} has no row for ${b.productId} (stock ${b.total}, confirmed ${b.confirmed})`);
      else if (row.available !== b.available || row.reserved !== b.confirmed) {
        bad.push(`replica ${id} holds ${b.productId} ${row.available} available / ${row.reserved} reserved; stock ${b.total} and ${b.confirmed} confirmed give ${b.available} / ${b.confirmed}`);
      }
    }
  }
  const summary = products.map((b) => `${b.productId} ${b.confirmed}/${b.total}`).join(', ');
  return verdictOf('no_oversell', 'per product, initial + restocks − confirmed ≥ 0 and equals every replica’s stock', bad, `confirmed/stock: ${summary || 'no products'}`);
}
