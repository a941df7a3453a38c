import type { Pool, PoolClient } from '../db';
import type { OffsetMove } from './plan';

/** Another process advanced the offsets under us (two incarnations of one consumer overlapping). */
export class PositionsMoved extends Error {}

/** SQL for one consumer's stored offsets in one topic: the next offset to apply per partition. */
export function createOffsetStore(pool: Pool, consumer: string, topic: string) {
  return {
    /** Every partition has its offset row from the start, so a transaction only ever updates rows. */
    async ensureRows(partitions: number[]): Promise<void> {
      await pool.query(
        `INSERT INTO consumer_offsets (consumer, topic, log_partition, next_offset) SELECT $1, $2, unnest($3::int[]), 0
         ON CONFLICT (consumer, topic, log_partition) DO NOTHING`,
        [consumer, topic, partitions],
      );
    },

    async load(): Promise<Map<number, number>> {
      const { rows } = await pool.query<{ log_partition: number; next_offset: string }>(
        'SELECT log_partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
        [consumer, topic],
      );
      return new Map(rows.map((row) => [row.log_partition, Number(row.next_offset)]));
    },

    /**
     * Opens the transaction by moving the offsets from where this process believes they are
     * (compare-and-set). That locks them for the transaction and proves no other incarnation
     * applied the same events meanwhile; if one did, this throws PositionsMoved.
     */
    async open(client: PoolClient, moves: OffsetMove[]): Promise<void> {
      // One round trip opens the transaction and takes the offsets (simple protocol, so the values
      // are literals: integers, and two names escaped by the driver). State derived from a log may
      // lose its last commits in a Postgres crash without harm: state and offsets roll back together
      // and the log is applied again. Not waiting for the WAL flush is what lets consumers keep up.
      const opened = (await client.query(
        `BEGIN; SET LOCAL synchronous_commit = off;
         UPDATE consumer_offsets o SET next_offset = n.next
         FROM unnest('{${moves.map((m) => m.partition)}}'::int[], '{${moves.map((m) => m.from)}}'::bigint[], '{${moves.map((m) => m.next)}}'::bigint[])
           AS n(log_partition, expected, next)
         WHERE o.consumer = ${client.escapeLiteral(consumer)} AND o.topic = ${client.escapeLiteral(topic)}
           AND o.log_partition = n.log_partition AND o.next_offset = n.expected`,
      )) as unknown as { rowCount: number | null }[];
      if (opened[2]?.rowCount !== moves.length) throw new PositionsMoved();
    },

    async commit(client: PoolClient): Promise<void> {
      await client.query('COMMIT');
    },
  };
}
export type OffsetStore = ReturnType<typeof createOffsetStore>;
