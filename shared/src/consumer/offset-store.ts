import { withTransaction, type Pool, type PoolClient } from '../db';
import type { OffsetMove } from './plan';

/** Another process advanced the offsets under us (two incarnations of one consumer overlapping). */
export class PositionsMoved extends Error {}

/** The lease's epoch is no longer the one this process took: another process holds the lease now. */
export class Fenced extends Error {}

/**
 * Locks the consumer's lease row FOR SHARE if it still has `epoch`, so a new holder's bump waits
 * for this transaction to end, and one that has bumped it already makes this select nothing
 * (READ COMMITTED re-checks a row locked after a concurrent update against its new version).
 */
const fenceSql = (client: PoolClient, consumer: string, epoch: number) =>
  `SELECT 1 FROM consumer_leases WHERE consumer = ${client.escapeLiteral(consumer)} AND epoch = ${Math.trunc(epoch)} FOR SHARE`;

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
     * applied the same events meanwhile; if one did, this throws PositionsMoved. With an `epoch`,
     * the same round trip checks the lease first and throws Fenced if another process took it.
     */
    async open(client: PoolClient, moves: OffsetMove[], epoch?: number): Promise<void> {
      // One round trip opens the transaction and takes the offsets (simple protocol, so the values
      // are literals: integers, and two names escaped by the driver). State derived from a log may
      // lose its last commits in a Postgres crash without harm: state and offsets roll back together
      // and the log is applied again. Not waiting for the WAL flush is what lets consumers keep up.
      const fence = epoch === undefined ? '' : `${fenceSql(client, consumer, epoch)};`;
      const opened = (await client.query(
        `BEGIN; SET LOCAL synchronous_commit = off; ${fence}
         UPDATE consumer_offsets o SET next_offset = n.next
         FROM unnest('{${moves.map((m) => m.partition)}}'::int[], '{${moves.map((m) => m.from)}}'::bigint[], '{${moves.map((m) => m.next)}}'::bigint[])
           AS n(log_partition, expected, next)
         WHERE o.consumer = ${client.escapeLiteral(consumer)} AND o.topic = ${client.escapeLiteral(topic)}
           AND o.log_partition = n.log_partition AND o.next_offset = n.expected`,
      )) as unknown as { rowCount: number | null }[];
      if (epoch !== undefined && opened[2]?.rowCount !== 1) throw new Fenced();
      if (opened[opened.length - 1]?.rowCount !== moves.length) throw new PositionsMoved();
    },

    /**
     * Starts the consumer over from the beginning of the log: `wipe` deletes the state the events
     * built and every offset goes back to 0, in one transaction under the lease's epoch.
     */
    async rewind(epoch: number, wipe: (client: PoolClient) => Promise<void>): Promise<void> {
      await withTransaction(pool, async (client) => {
        if ((await client.query(fenceSql(client, consumer, epoch))).rowCount !== 1) throw new Fenced();
        await wipe(client);
        await client.query('UPDATE consumer_offsets SET next_offset = 0 WHERE consumer = $1 AND topic = $2', [consumer, topic]);
      });
    },

    async commit(client: PoolClient): Promise<void> {
      await client.query('COMMIT');
    },
  };
}
export type OffsetStore = ReturnType<typeof createOffsetStore>;
