import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, type Pool } from '@ftlab/shared';
import { nowMs } from './clock';
import { bracketFor, judgeAnswer, type ReadAnswer, type ReplicaRow, type Snapshot, type Verdict } from './wrong-answers';

/**
 * Feeds the wrong-answer rule (wrong-answers.ts): snapshots the replicas' committed rows from
 * Postgres every ~250 ms, and judges each read once the first snapshot after its answer exists,
 * so a verdict arrives within about one snapshot period of the answer.
 */

interface Pending {
  productId: string;
  answer: ReadAnswer;
  sentAt: number;
  receivedAt: number;
  done: (verdict: Verdict) => void;
}

export interface CheckerOptions {
  everyMs?: number;
  /** Snapshots older than this are dropped; must exceed the longest request. */
  retainMs?: number;
}

export const SNAPSHOT_EVERY_MS = 250;

export class AnswerChecker {
  private snapshots: Snapshot[] = [];
  private pending: Pending[] = [];
  private stopped = false;
  private loop?: Promise<void>;
  /** Snapshots that failed (database unreachable): reads stay pending meanwhile. */
  snapshotErrors = 0;

  private constructor(
    private readonly pool: Pool,
    private readonly products: string[],
    private readonly everyMs: number,
    private readonly retainMs: number,
  ) {}

  /** Connects and takes the first snapshot; rejects (naming the database) if it cannot be read. */
  static async open(databaseUrl: string, products: string[], opts: CheckerOptions = {}): Promise<AnswerChecker> {
    const checker = new AnswerChecker(createPool(databaseUrl, 2), [...new Set(products)], opts.everyMs ?? SNAPSHOT_EVERY_MS, opts.retainMs ?? 60_000);
    try {
      await checker.snapshot();
    } catch (err) {
      await checker.pool.end();
      const where = new URL(databaseUrl);
      throw new Error(`cannot read replica_stock at ${where.host}${where.pathname}: ${(err as Error).message}`);
    }
    checker.loop = checker.poll();
    return checker;
  }

  /** Queues a read for judgement; `done` is called once, from a later snapshot or from close(). */
  check(productId: string, answer: ReadAnswer, sentAt: number, receivedAt: number, done: (verdict: Verdict) => void): void {
    this.pending.push({ productId, answer, sentAt, receivedAt, done });
  }

  /** Takes a last snapshot (after every answer so far), judges everything left, disconnects. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.snapshot().catch(() => (this.snapshotErrors += 1));
    for (const p of this.pending.splice(0)) p.done('unjudged');
    await this.pool.end();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      await sleep(this.everyMs);
      if (this.stopped) return;
      await this.snapshot().catch(() => (this.snapshotErrors += 1));
    }
  }

  private async snapshot(): Promise<void> {
    const issuedAt = nowMs();
    const { rows } = await this.pool.query<{ instance_id: string; product_id: string; available_quantity: string; reserved_quantity: string }>(
      'SELECT instance_id, product_id, available_quantity, reserved_quantity FROM replica_stock WHERE product_id = ANY($1::text[])',
      [this.products],
    );
    const byProduct = new Map<string, Map<string, ReplicaRow>>();
    for (const r of rows) {
      let replicas = byProduct.get(r.product_id);
      if (!replicas) byProduct.set(r.product_id, (replicas = new Map()));
      replicas.set(r.instance_id, { available: Number(r.available_quantity), reserved: Number(r.reserved_quantity) });
    }
    this.snapshots.push({ issuedAt, returnedAt: nowMs(), rows: byProduct });
    const horizon = issuedAt - this.retainMs;
    while (this.snapshots.length > 2 && this.snapshots[0]!.returnedAt < horizon) this.snapshots.shift();
    this.judgeReady();
  }

  private judgeReady(): void {
    const waiting: Pending[] = [];
    for (const p of this.pending) {
      const found = bracketFor(this.snapshots, p.sentAt, p.receivedAt);
      if (found) p.done(judgeAnswer(p.productId, p.answer, found.bracket, found.previous));
      else waiting.push(p);
    }
    this.pending = waiting;
  }
}
