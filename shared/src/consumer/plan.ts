import type { z } from 'zod';
import { deadLetterOf, decodeEvent, type DeadLetter } from '../events';

/** An event from the log, decoded, with where it sits in the log. */
export interface LogRecord<E> {
  event: E;
  partition: number;
  offset: number;
}

/** A message as fetched from the log: its offset (a decimal string, as the broker gives it) and its raw value. */
export interface FetchedMessage {
  offset: string;
  value: Buffer | null;
}

/** One partition's messages from one fetch, waiting to be applied. */
export interface PartitionBatch {
  partition: number;
  messages: FetchedMessage[];
}

/** How one partition's stored offset moves in a commit: from where this process believes it is, to past the last message applied. */
export interface OffsetMove {
  partition: number;
  from: number;
  next: number;
}

/** What one commit does: the offsets it moves, the events it applies and the dead letters it sends. */
export interface GroupPlan<E> {
  moves: OffsetMove[];
  records: LogRecord<E>[];
  deadLetters: DeadLetter[];
  /** Messages behind the stored position: fetched again, or applied by another incarnation meanwhile. */
  skipped: number;
  /**
   * Partitions whose batch starts past the stored position, with that position: the positions
   * went back (the consumer was rebuilt from offset 0) while the log was fetched further on.
   * Nothing of such a batch is applied; the log is to be sought back to the position.
   */
  gaps: { partition: number; position: number }[];
}

/** The log a consumer reads and the contract its events must meet. */
export interface LogContract<E> {
  topic: string;
  /** The consumer's name, recorded in its dead letters. */
  consumer: string;
  schema: z.ZodType<E>;
}

/**
 * Plans the commit of one group of fetched batches against the stored positions: what lies behind
 * a partition's position is skipped, the rest is applied (or, when it does not parse, dead-lettered)
 * and moves that partition's offset past its last message. A dead letter moves the offset like an
 * applied event: a bad message is skipped once, with a letter, never retried forever. A batch that
 * starts past its partition's position is a gap and applies nothing.
 */
export function planGroup<E>(positions: ReadonlyMap<number, number>, batches: PartitionBatch[], contract: LogContract<E>): GroupPlan<E> {
  const plan: GroupPlan<E> = { moves: [], records: [], deadLetters: [], skipped: 0, gaps: [] };
  for (const { partition, messages } of batches) {
    const from = positions.get(partition) ?? 0;
    // Offsets in our topics are contiguous (no transactional producer writes them), so a batch
    // that starts past the position would skip events: never applied, fetched again from there.
    if (messages.length > 0 && Number(messages[0]!.offset) > from) {
      plan.gaps.push({ partition, position: from });
      continue;
    }
    const fresh = messages.filter((m) => Number(m.offset) >= from);
    plan.skipped += messages.length - fresh.length;
    if (fresh.length === 0) continue;
    plan.moves.push({ partition, from, next: Number(fresh[fresh.length - 1]!.offset) + 1 });
    for (const m of fresh) {
      const decoded = decodeEvent(contract.schema, m.value);
      if (decoded.ok) plan.records.push({ event: decoded.event, partition, offset: Number(m.offset) });
      else plan.deadLetters.push(deadLetterOf(contract.topic, contract.consumer, partition, m, decoded.reason));
    }
  }
  return plan;
}
