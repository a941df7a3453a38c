/**
 * When a replica that has not answered yet is worth a hint to the monitor. The voter answers the
 * client as soon as two replicas agree, and the round's deadline (the seed's 300 ms) is far too
 * late to tell the monitor that the third is silent: a frozen or slow replica would be probed at
 * its usual pace meanwhile. Silence is judged against the peers of the same round, as the
 * monitor judges it (host-contention.ts): a replica still silent five times as long as the
 * slower of two peers took, and at least 50 ms, is a straggler. On a busy host the peers are slow
 * too, and the wait stretches with them.
 *
 * A hint only makes the monitor probe at its suspect pace; its own probes convict. So a hint
 * for a replica that was merely in a GC pause costs a few probes, never an OFF.
 */
export const STRAGGLER_FLOOR_MS = 50;
export const STRAGGLER_PEER_FACTOR = 5;

/** Milliseconds after the round's start at which a still-silent replica is a straggler; undefined without two answering peers. */
export function stragglerAfterMs(peerLatenciesMs: readonly number[]): number | undefined {
  if (peerLatenciesMs.length < 2) return undefined;
  return Math.max(STRAGGLER_FLOOR_MS, STRAGGLER_PEER_FACTOR * Math.max(...peerLatenciesMs));
}
