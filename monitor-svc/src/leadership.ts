/**
 * Which of the two monitors records transitions, as pure decisions. Both monitors probe every
 * replica all the time (a hot standby has detector state of its own); the one holding the
 * leadership lock in Postgres records transitions, writes instance_status and NOTIFYs. The lock is
 * a session advisory lock on a connection of its own: a leader killed with -9 loses it the moment
 * its connection closes, and the other, trying every `pollMs`, leads within that. A frozen leader
 * keeps its connection, so its silence deposes it (shouldDepose). The lease adapter (lease.ts)
 * feeds these functions what happened to that connection.
 */
import type { InstanceStatus } from '@ftlab/shared';
import type { DetectorState, Transition } from './detector';

export interface LeadershipConfig {
  /** How often a follower tries to take the lock and a leader confirms it still holds it. */
  pollMs: number;
  /**
   * A leader that has not confirmed its lock for this long stops recording: its connection may be
   * gone without an error yet (a half-open socket), and the other monitor may already lead.
   */
  staleAfterMs: number;
  /**
   * A leader whose lock connection has been silent this long (it confirms every `pollMs`) is frozen
   * (SIGSTOP, a stalled host): a follower ends that connection and takes the lock. Well above
   * `staleAfterMs`, so a leader that is merely slow has stopped recording by then.
   */
  deposeAfterMs: number;
}

export const DEFAULT_LEADERSHIP_CONFIG: Readonly<LeadershipConfig> = Object.freeze({ pollMs: 100, staleAfterMs: 1000, deposeAfterMs: 3000 });

/** The current leader as the database has it: who took the lock last, under which term. */
export interface Lease {
  leader: string;
  term: number;
  since: Date;
}

export type Leadership =
  | { role: 'follower'; lease: Lease | null }
  | { role: 'leader'; lease: Lease; confirmedAt: number };

/** What the lock connection told us, at `at` (ms on the monitor's clock). */
export type LeaseEvent =
  | { type: 'acquired'; lease: Lease; at: number }
  | { type: 'held-elsewhere'; lease: Lease | null }
  | { type: 'confirmed'; at: number }
  /** The lock connection failed, dropped or could not be opened: the lock is (or soon will be) released. */
  | { type: 'lost' };

export interface LeadershipStep {
  state: Leadership;
  /** Present when the role changed with this event. */
  change?: 'became-leader' | 'stepped-down';
}

export const initialLeadership = (): Leadership => ({ role: 'follower', lease: null });

export function observeLease(state: Leadership, event: LeaseEvent): LeadershipStep {
  switch (event.type) {
    case 'acquired':
      return { state: { role: 'leader', lease: event.lease, confirmedAt: event.at }, change: state.role === 'leader' ? undefined : 'became-leader' };
    case 'confirmed':
      return state.role === 'leader' ? { state: { ...state, confirmedAt: event.at } } : { state };
    case 'held-elsewhere':
      return stepDown(state, event.lease);
    case 'lost':
      return stepDown(state, state.lease);
  }
}

function stepDown(state: Leadership, lease: Lease | null): LeadershipStep {
  return { state: { role: 'follower', lease }, change: state.role === 'leader' ? 'stepped-down' : undefined };
}

/** What to do with a transition this monitor's detector just made. */
export type RecordingDecision =
  | { action: 'record'; term: number }
  /** A follower: the leader records it, and should this monitor lead later, it reconciles on taking over. */
  | { action: 'leave-to-leader' }
  /** A leader whose lock is unconfirmed for too long: neither write nor drop it; ask again shortly. */
  | { action: 'wait' };

export function recordingDecision(state: Leadership, now: number, config: Readonly<LeadershipConfig> = DEFAULT_LEADERSHIP_CONFIG): RecordingDecision {
  if (state.role !== 'leader') return { action: 'leave-to-leader' };
  return now - state.confirmedAt > config.staleAfterMs ? { action: 'wait' } : { action: 'record', term: state.lease.term };
}

/** Whether a follower should end the leader's lock connection, silent for `holderSilentMs` (null: nobody holds the lock). */
export function shouldDepose(holderSilentMs: number | null, config: Readonly<LeadershipConfig> = DEFAULT_LEADERSHIP_CONFIG): boolean {
  return holderSilentMs !== null && holderSilentMs > config.deposeAfterMs;
}

/**
 * On taking the lead: the transition that makes the recorded status this monitor's own view. It has
 * been probing all along, so where it saw a replica fail that the old leader had not recorded (it
 * died first), the OFF is recorded now; where it saw one recover, the ON. A replica this monitor
 * never saw at all (OFF with no cause: it started with no record and has not seen it healthy yet)
 * is no evidence either way, so nothing is recorded for it.
 */
export function reconcileTransition(local: Pick<DetectorState, 'status' | 'offCause'>, recorded: InstanceStatus | undefined): Transition | undefined {
  if (local.status === recorded) return undefined;
  if (local.status === 'ON') return { to: 'ON', cause: 'recovered' };
  return local.offCause === null ? undefined : { to: 'OFF', cause: local.offCause };
}
