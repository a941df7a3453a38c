import type { StockChange, StockView } from '@ftlab/shared';
import type { Ledger, ProductStock } from './state-machine';

/**
 * The replica's committed state in memory, answering reads without touching the database. It is
 * only changed right after a batch commits, or reloaded for a new lease epoch, in the same tick as
 * the consumer's positions, so a read always returns a value together with the log position that
 * produced it.
 */
/** The most changes of one product a replica keeps for the voter (see StockView.history). */
export const HISTORY_LENGTH = 64;

/** One event's effect on one product, as applied: the value after it and the event's offset. */
export interface ProductChange extends StockChange {
  product_id: string;
}

export class ReplicaView {
  private readonly stock = new Map<string, ProductStock>();
  /** Per product, its latest changes since this process loaded the state, oldest first. */
  private readonly history = new Map<string, StockChange[]>();

  constructor(
    private readonly positions: () => ReadonlyMap<number, number>,
    /** Whether the log (broker) answers now; answers say so when it does not. */
    private readonly logReachable: () => boolean,
  ) {}

  /** Replaces the whole state with what was read from the database (a new lease epoch), in the tick the positions are reloaded. */
  reset(stock: ProductStock[]): void {
    this.stock.clear();
    this.history.clear();
    for (const s of stock) this.stock.set(s.product_id, s);
  }

  committedStock(): Iterable<ProductStock> {
    return this.stock.values();
  }

  /** A committed batch: its final state, and each of its events' effect in log order. */
  commit(ledger: Ledger, changes: readonly ProductChange[]): void {
    for (const id of ledger.dirtyStock) this.stock.set(id, ledger.stock.get(id)!);
    for (const { product_id, ...change } of changes) {
      const kept = this.history.get(product_id) ?? [];
      kept.push(change);
      if (kept.length > HISTORY_LENGTH) kept.splice(0, kept.length - HISTORY_LENGTH);
      this.history.set(product_id, kept);
    }
  }

  /** The product as committed; with `withHistory`, its latest changes too. */
  get(productId: string, withHistory = false): StockView | undefined {
    const s = this.stock.get(productId);
    if (!s) return undefined;
    const view = this.toView(s);
    return withHistory ? { ...view, history: [...(this.history.get(productId) ?? [])] } : view;
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
