/**
 * Which messages of a send Kafka did not acknowledge, decided without I/O.
 *
 * kafkajs 2.2.4 can resolve a send without having written some of its messages: it keeps the
 * brokers' answers across its retries and, after a failure, sends again only to brokers that
 * have not answered yet. When the leader of a partition dies, its partitions move to a broker
 * that already answered for its own, so they are not sent again, and the send resolves with no
 * answer for them (tulios/kafkajs#1303, #1798). The answer lists every partition written, so
 * what it lacks is known: those messages are to be sent again.
 */

/** A message as sent: only its identity matters here (the partitioner saw this object). */
export type SentMessage = object;

export interface TopicSend<M extends SentMessage> {
  topic: string;
  messages: M[];
}

/** One partition's part of the broker's answer. */
export interface PartitionAck {
  topicName: string;
  partition: number;
  errorCode: number;
}

/**
 * The messages of `sent` whose partition has no successful answer in `acks`, by topic (topics
 * left with none are dropped). `partitionOf` says where a message was sent; a message it knows
 * nothing of was never placed, so it counts as unwritten.
 */
export function unwritten<M extends SentMessage>(sent: TopicSend<M>[], acks: PartitionAck[], partitionOf: (m: M) => number | undefined): TopicSend<M>[] {
  const written = new Set(acks.filter((a) => a.errorCode === 0).map((a) => `${a.partition}:${a.topicName}`));
  return sent
    .map(({ topic, messages }) => ({
      topic,
      messages: messages.filter((m) => {
        const partition = partitionOf(m);
        return partition === undefined || !written.has(`${partition}:${topic}`);
      }),
    }))
    .filter((t) => t.messages.length > 0);
}
