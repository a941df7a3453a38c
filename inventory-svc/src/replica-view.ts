import type { StockView } from '@ftlab/shared';
import type { Ledger, ProductStock } from './state-machine';

/**
 * The replica's committed state in memory, answering reads without touching the database. It is
 * only changed right after a batch commits, or reloaded for a new lease epoch, in the same tick as
 * the consumer's positions, so a read always returns a value together with the log position that
 * produced it.
 */
export class ReplicaView {
  private readonly stock = new Map<string, ProductStock>();

  constructor(
    private readonly positions: () => ReadonlyMap<number, number>,
    /** Whether the log (broker) answers now; answers say so when it does not. */
    private readonly logReachable: () => boolean,
  ) {}

  /** Replaces the whole state with what was read from the database (a new lease epoch), in the tick the positions are reloaded. */
  reset(stock: ProductStock[]): void {
    this.stock.clear();
    for (const s of stock) this.stock.set(s.product_id, s);
  }

  committedStock(): Iterable<ProductStock> {
    return this.stock.values();
  }

  commit(ledger: Ledger): void {
    for (const id of ledger.dirtyStock) this.stock.set(id, ledger.stock.get(id)!);
  }

  get(productId: string): StockView | undefined {
    const s = this.stock.get(productId);
    return s && this.toView(s);
  }

  all(): StockView[] {
    return [...this.stock.values()].sort((a, b) => a.product_id.localeCompare(b.product_id)).map((s) => this.toView(s));
  }

  private toView(s: ProductStock): StockView {
    return {
      product_id: s.product_id,
      available_quantity: s.available_quantity,
      reserved_quantity: s.reserved_quantity,
      position: { partition: s.partition, offset: (this.positions().get(s.partition) ?? 0) - 1 },
      ...(this.logReachable() ? {} : { log_reachable: false }),
    };
  }
}
