import pg from 'pg';
import type { Logger } from '../logger';
import { counter, gauge, type Registry } from '../metrics';
import { initialLeaseState, nextLeaseState, seeksLease, type LeaseEvent, type LeaseHolder, type LeaseState } from './fencing';

/** The advisory-lock key space of consumer leases (two-int form: no clash with the one-bigint locks elsewhere). */
const LEASE_LOCK_SPACE = 0x66656e63; // "fenc"
const STATE_CODE: Record<LeaseState['kind'], number> = { seeking: 0, held: 1, reacquiring: 2, fenced: 3 };

export class LeaseStopped extends Error {}

export interface ConsumerLeaseOptions {
  databaseUrl: string;
  /** The consumer this lease makes one process at a time, e.g. "inventory-1". */
  consumer: string;
  /** How this process is named in consumer_leases and in the fenced copy's /health (pid, port). */
  holder: string;
  logger: Logger;
  registry: Registry;
  /** How often a process without the lease tries to take it. */
  retryMs?: number;
}

/**
 * The lease that makes one process at a time a given consumer: a session-level advisory lock on a
 * connection of its own (the server releases it when that connection drops), and an epoch in
 * consumer_leases bumped every time it is taken. The bump waits for every transaction of the
 * previous holder that has checked the old epoch (they hold the row FOR SHARE), so once this
 * process has its epoch no commit of the old one can land after it. Decisions in `fencing.ts`.
 */
export class ConsumerLease {
  private state: LeaseState = initialLeaseState;
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempting = false;
  private stopped = false;
  private waiters: { resolve: (epoch: number) => void; reject: (err: Error) => void }[] = [];
  private readonly stateGauge;
  private readonly losses;
  private readonly retryMs: number;

  constructor(private readonly o: ConsumerLeaseOptions) {
    this.retryMs = o.retryMs ?? 250;
    this.stateGauge = gauge(o.registry, 'consumer_lease_state', 'Lease of this process on its consumer: 0 seeking, 1 held, 2 reacquiring, 3 fenced', ['consumer']);
    this.losses = counter(o.registry, 'consumer_lease_losses_total', 'Leases lost, by why', ['consumer', 'why']);
    this.stateGauge.set({ consumer: o.consumer }, STATE_CODE.seeking);
  }

  /** Starts trying to take the lease, now and every retryMs while it is not held. */
  start(): void {
    void this.attempt();
    this.timer = setInterval(() => void this.attempt(), this.retryMs);
  }

  current(): LeaseState {
    return this.state;
  }

  /** The epoch to commit under, once this process holds the lease (waits while it does not). */
  held(): Promise<number> {
    if (this.stopped) return Promise.reject(new LeaseStopped('lease stopped'));
    if (this.state.kind === 'held') return Promise.resolve(this.state.epoch);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** A commit found the epoch moved: someone else took the lease. Let go of the lock, if still held, and seek again. */
  superseded(reason: string): void {
    this.losses.inc({ consumer: this.o.consumer, why: 'superseded' });
    this.dropClient();
    this.apply({ type: 'superseded', reason });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const w of this.waiters.splice(0)) w.reject(new LeaseStopped('lease stopped'));
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.attempting || !seeksLease(this.state)) return;
    this.attempting = true;
    try {
      this.apply(await this.tryTake());
    } catch (err) {
      this.dropClient();
      this.apply({ type: 'unreachable', reason: (err as Error).message });
    } finally {
      this.attempting = false;
    }
  }

  private async tryTake(): Promise<LeaseEvent> {
    const client = this.client ?? (await this.connect());
    await client.query('INSERT INTO consumer_leases (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING', [this.o.consumer]);
    const { rows } = await client.query<{ taken: boolean }>(
      'SELECT pg_try_advisory_lock($1, lock_key) AS taken FROM consumer_leases WHERE consumer = $2',
      [LEASE_LOCK_SPACE, this.o.consumer],
    );
    if (!rows[0]?.taken) {
      const held = await client.query<{ holder: string | null; epoch: string; taken_at: Date | null }>(
        'SELECT holder, epoch, taken_at FROM consumer_leases WHERE consumer = $1',
        [this.o.consumer],
      );
      const h = held.rows[0];
      return { type: 'held_elsewhere', holder: { holder: h?.holder ?? 'unknown', epoch: Number(h?.epoch ?? 0), taken_at: h?.taken_at?.toISOString() ?? 'unknown' } };
    }
    const bumped = await client.query<{ epoch: string; taken_at: Date }>(
      `UPDATE consumer_leases SET epoch = epoch + 1, holder = $2, taken_at = clock_timestamp() WHERE consumer = $1 RETURNING epoch, taken_at`,
      [this.o.consumer, this.o.holder],
    );
    return { type: 'taken', epoch: Number(bumped.rows[0]!.epoch), at: bumped.rows[0]!.taken_at.toISOString() };
  }

  private async connect(): Promise<pg.Client> {
    // Its own connection, not the pool's: the lock lives exactly as long as this session.
    const client = new pg.Client({
      connectionString: this.o.databaseUrl,
      keepAlive: true,
      application_name: `${process.env.PGAPPNAME ?? 'ftlab'}:lease`,
    });
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      if (this.state.kind === 'held') this.losses.inc({ consumer: this.o.consumer, why: 'connection_lost' });
      this.apply({ type: 'connection_lost', reason: `lock connection lost: ${why}` });
      void this.attempt();
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }

  private apply(event: LeaseEvent): void {
    const before = this.state;
    this.state = nextLeaseState(before, event);
    const after = this.state;
    this.stateGauge.set({ consumer: this.o.consumer }, STATE_CODE[after.kind]);
    if (after.kind === 'held') for (const w of this.waiters.splice(0)) w.resolve(after.epoch);
    if (!changed(before, after)) return;
    this.log(after);
  }

  private log(s: LeaseState): void {
    const { consumer } = this.o;
    switch (s.kind) {
      case 'held':
        return void this.o.logger.info({ consumer, epoch: s.epoch }, `lease taken: this process is ${consumer} (epoch ${s.epoch})`);
      case 'fenced':
        return void this.o.logger.warn(
          { consumer, holder: s.holder, reason: s.reason, self: this.o.holder },
          `fenced: ${consumer} is ${s.reason}; this process applies no event and answers no read as ${consumer}, and tries again every ${this.retryMs} ms`,
        );
      case 'reacquiring':
        return void this.o.logger.warn({ consumer, epoch: s.epoch, reason: s.reason }, `lease lost (${s.reason}): applying nothing until it is taken again and the state reloaded`);
      case 'seeking':
        return void this.o.logger.warn({ consumer, reason: s.reason }, 'cannot take the lease yet');
    }
  }
}

/** Worth a log line: another kind, another epoch, or another reason the lease cannot be taken. */
function changed(before: LeaseState, after: LeaseState): boolean {
  if (before.kind !== after.kind) return true;
  if (before.kind === 'held' && after.kind === 'held') return before.epoch !== after.epoch;
  return before.kind === 'seeking' && after.kind === 'seeking' && before.reason !== after.reason;
}

export type { LeaseHolder, LeaseState };
