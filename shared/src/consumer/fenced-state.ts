import type { PoolClient } from '../db';
import type { Logger } from '../logger';
import { counter, type Registry } from '../metrics';
import type { ConsumerLease } from './lease';
import { Fenced, type OffsetStore } from './offset-store';

/**
 * The caller's state as read from the database for a new epoch: either ready to install (in the
 * same tick as the positions), or found inconsistent with its offsets, with how to wipe it so the
 * consumer rebuilds it from the start of the log.
 */
export type Restored = { install: () => void } | { rebuild: (client: PoolClient) => Promise<void>; reason: string };

/** What a fenced consumer needs from its caller: the lease, and how to read its state from the database. */
export interface Fencing {
  lease: ConsumerLease;
  /**
   * `verify`: whether the rows must be checked for consistency. Not when this process held the
   * epoch just before (epochs are only bumped by whoever takes the lease, so nobody else has
   * written since the rows were last loaded and checked): a dropped lock connection, as under
   * db-flapping, then costs a reload, not a scan of every reservation.
   */
  restore: (opts: { verify: boolean }) => Promise<Restored>;
}

/**
 * What a fenced consumer commits under: the lease's epoch, and the positions and caller's state
 * loaded for that epoch. Whenever the lease is taken anew (at start, after a lost lock connection,
 * after another process held it), both are read again from the database before anything is
 * applied: whatever happened in between, the next commit starts from what is committed.
 */
export class FencedState {
  private loadedEpoch: number | undefined;
  private readonly rebuilds;

  constructor(
    private readonly o: Fencing & { offsets: OffsetStore; positions: Map<number, number>; consumer: string; logger: Logger; registry: Registry },
  ) {
    this.rebuilds = counter(o.registry, 'consumer_rebuilds_total', 'Times the state was found inconsistent with its offsets and rebuilt from the log', ['consumer']);
  }

  /** The epoch to commit under; waits for the lease, and reloads everything when the epoch is new. */
  async epoch(): Promise<number> {
    for (;;) {
      const epoch = await this.o.lease.held();
      if (epoch === this.loadedEpoch) return epoch;
      try {
        await this.load(epoch);
        this.loadedEpoch = epoch;
        return epoch;
      } catch (err) {
        if (!(err instanceof Fenced)) throw err;
        this.superseded('the lease epoch moved while reloading');
      }
    }
  }

  /** A commit found the lease (or the offsets) moved by another process. */
  superseded(reason: string): void {
    this.o.logger.warn({ consumer: this.o.consumer, reason }, 'commit refused: this process is no longer the consumer; retaking the lease before applying anything');
    this.o.lease.superseded(reason);
  }

  private async load(epoch: number): Promise<void> {
    const verify = this.loadedEpoch === undefined || epoch !== this.loadedEpoch + 1;
    let restored = await this.o.restore({ verify });
    if ('rebuild' in restored) {
      this.o.logger.error({ consumer: this.o.consumer, reason: restored.reason }, 'state inconsistent with its offsets: rebuilding it from the start of the log');
      this.rebuilds.inc({ consumer: this.o.consumer });
      await this.o.offsets.rewind(epoch, restored.rebuild);
      restored = await this.o.restore({ verify: true });
      if ('rebuild' in restored) throw new Error(`state still inconsistent after a rebuild: ${restored.reason}`);
    }
    const positions = await this.o.offsets.load();
    this.o.positions.clear();
    for (const [partition, next] of positions) this.o.positions.set(partition, next);
    restored.install();
    this.o.logger.info({ consumer: this.o.consumer, epoch, positions: Object.fromEntries(positions) }, 'state and positions loaded for this epoch');
  }
}
