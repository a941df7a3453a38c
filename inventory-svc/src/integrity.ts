/**
 * Whether a replica's rows can be a state of the log at its offsets, without replaying the log.
 * Checked whenever a process becomes the replica (at start, and at every new lease epoch); a
 * violation makes it rebuild from offset 0 rather than serve or extend the rows.
 *
 * What it catches: what two writers interleaving leave behind (a stock row written from one
 * process's memory while the reservations came from both: reserved no longer the sum of the
 * reservations), negative quantities, and rows without any applied event behind them. What it
 * cannot catch: rows that are consistent among themselves but not those of the log's prefix (an
 * older backup restored under newer offsets, a deterministic bug); the monitor's cross-check of
 * the replicas at equal positions is what sees those.
 */

/** One product as the replica's rows have it: its stock row (absent if none) and the sum of its RESERVED reservations. */
export interface ProductTotals {
  product_id: string;
  stock: { available_quantity: number; reserved_quantity: number } | null;
  reserved_by_reservations: number;
}

export function stateViolations(products: readonly ProductTotals[], eventsApplied: number): string[] {
  const violations: string[] = [];
  if (eventsApplied === 0 && products.length > 0) violations.push(`rows for ${products.length} product(s) while the offsets say no event was applied`);
  for (const p of products) {
    if (!p.stock) {
      if (p.reserved_by_reservations > 0) violations.push(`${p.product_id}: ${p.reserved_by_reservations} reserved by reservations but no stock row`);
      continue;
    }
    const { available_quantity: available, reserved_quantity: reserved } = p.stock;
    if (available < 0 || reserved < 0) violations.push(`${p.product_id}: negative quantity (available ${available}, reserved ${reserved})`);
    if (reserved !== p.reserved_by_reservations) {
      violations.push(`${p.product_id}: reserved ${reserved} but its reservations add up to ${p.reserved_by_reservations}`);
    }
  }
  return violations;
}
