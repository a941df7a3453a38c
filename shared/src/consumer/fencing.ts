/**
 * Fencing of a consumer that must run as one process at a time (a replica): what the process may
 * do given what it knows of its lease. The lease is a session-level advisory lock in Postgres
 * plus an epoch bumped each time it is taken; every commit checks the epoch in its own
 * transaction, so a process that lost the lock can never commit with the old epoch.
 */

/** Who holds a lease, as recorded in consumer_leases when it was taken. */
export interface LeaseHolder {
  holder: string;
  epoch: number;
  taken_at: string;
}

export type LeaseState =
  /** Never held by this process, and no other holder known yet (first attempt, or the database unreachable). */
  | { kind: 'seeking'; reason: string | null }
  /** This process is the consumer: it applies events under `epoch`. */
  | { kind: 'held'; epoch: number; since: string }
  /**
   * This process held it under `epoch` and lost its lock connection: it applies nothing until it
   * has taken the lease again (a new epoch) and reloaded, but its committed state is still a state
   * of the log at its positions, so it may keep answering reads from it.
   */
  | { kind: 'reacquiring'; epoch: number; reason: string }
  /** Another process holds it (or took it from under us): this one neither applies nor answers as the consumer. */
  | { kind: 'fenced'; holder: LeaseHolder | null; reason: string };

export type LeaseEvent =
  | { type: 'taken'; epoch: number; at: string }
  | { type: 'held_elsewhere'; holder: LeaseHolder }
  /** An attempt could not reach the database. */
  | { type: 'unreachable'; reason: string }
  /** The connection that holds the lock dropped: the server has released the lock. */
  | { type: 'connection_lost'; reason: string }
  /** A commit found the epoch moved: another process took the lease meanwhile. */
  | { type: 'superseded'; reason: string };

export const initialLeaseState: LeaseState = { kind: 'seeking', reason: null };

export function nextLeaseState(state: LeaseState, event: LeaseEvent): LeaseState {
  switch (event.type) {
    case 'taken':
      return { kind: 'held', epoch: event.epoch, since: event.at };
    case 'held_elsewhere':
      return { kind: 'fenced', holder: event.holder, reason: `held by ${event.holder.holder} since ${event.holder.taken_at} (epoch ${event.holder.epoch})` };
    case 'unreachable':
      // Without the database nothing changes hands that we could learn of: keep what we knew.
      return state.kind === 'seeking' ? { kind: 'seeking', reason: event.reason } : state;
    case 'connection_lost':
      return state.kind === 'held' ? { kind: 'reacquiring', epoch: state.epoch, reason: event.reason } : state;
    case 'superseded':
      return state.kind === 'held' || state.kind === 'reacquiring' ? { kind: 'fenced', holder: null, reason: event.reason } : state;
  }
}

/** Reads come from this process's committed state only while it is, or just was, the consumer and nobody else took over. */
export const servesReads = (s: LeaseState): boolean => s.kind === 'held' || s.kind === 'reacquiring';

/** Whether the attempt loop must run: everything but holding the lease. */
export const seeksLease = (s: LeaseState): boolean => s.kind !== 'held';
