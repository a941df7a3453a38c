import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Partitioners, type Kafka, type Message, type Producer, type ICustomPartitioner } from 'kafkajs';
import type { Logger } from './logger';
import { counter, type Registry } from './metrics';
import { unwritten, type TopicSend } from './producer/unwritten';

/** What the services send with: messages to topics, resolved only once Kafka has every one of them. */
export interface EventProducer {
  connect(): Promise<void>;
  send(record: TopicSend<Message>): Promise<void>;
  sendBatch(batch: { topicMessages: TopicSend<Message>[] }): Promise<void>;
  disconnect(): Promise<void>;
}

/** A send whose unacknowledged partitions are sent again at most this many times before it fails. */
const SEND_ROUNDS = 5;
/** After a producer is discarded, the next is created after 100 ms, growing to at most 5 s while they keep failing. */
const REPLACE_BACKOFF = new ExponentialBackoff({ initialDelay: 100, maxDelay: 5000 });

/**
 * An idempotent producer: a retried send after a lost ack is not written twice. kafkajs sends
 * with acks=all (-1) unless told otherwise, and we never tell it: a write is acknowledged only
 * once min.insync.replicas copies have it, so losing the leader loses no acknowledged event.
 *
 * Two kafkajs (2.2.4) faults around a leader change are handled here, so that a resolved send
 * means every message is in the log:
 * - a send can resolve without some partitions written (see producer/unwritten.ts): the
 *   partitions missing from the brokers' answer are sent again, with the same producer, so the
 *   sequence numbers they get are the ones kafkajs wound back when their first attempt failed;
 *   a broker that had written them after all recognises the batch and does not write it twice;
 * - after a failed send kafkajs winds back the sequence numbers of every batch that failed, even
 *   one the broker wrote (the response was lost with the leader). The next different batch on
 *   that partition is then refused for good ("out of order sequence number", tulios/kafkajs#598),
 *   or, if it has the same length, taken for a duplicate and silently dropped. So a producer whose
 *   send failed is discarded, and the next send gets a new one (a new producer id, sequences from
 *   0), after a backoff that grows while they keep failing. The caller sends the messages again:
 *   the outbox relay from its table, a consumer by applying the same records again; consumers
 *   recognise what the failed send had written after all.
 */
export function createProducer(kafka: Kafka, logger: Logger, registry?: Registry): EventProducer {
  return new ReplaceableProducer(kafka, logger, registry);
}

/** The producer in use: being created and connected, then `live`. */
interface Current {
  producer: Promise<Producer>;
  live?: Producer;
}

class ReplaceableProducer implements EventProducer {
  /** Where the partitioner put each message of a send, to check the brokers' answer against. */
  private readonly placed = new WeakMap<object, number>();
  private current: Current | undefined;
  private stopped = false;
  private backoff: IBackoff<unknown> | undefined;
  private notBefore = 0;
  private readonly replaced;
  private readonly resent;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    this.replaced = registry && counter(registry, 'kafka_producers_replaced_total', 'Kafka producers discarded after a failed send and replaced by a new one');
    this.resent = registry && counter(registry, 'kafka_messages_resent_total', 'Messages sent again because a send resolved without their partition acknowledged');
  }

  async connect(): Promise<void> {
    await this.producer();
  }

  send(record: TopicSend<Message>): Promise<void> {
    return this.sendBatch({ topicMessages: [record] });
  }

  async sendBatch({ topicMessages }: { topicMessages: TopicSend<Message>[] }): Promise<void> {
    let pending = topicMessages;
    for (let round = 1; ; round++) {
      const current = this.producer();
      const producer = await current.producer;
      let acks;
      try {
        acks = await producer.sendBatch({ topicMessages: pending });
      } catch (err) {
        this.discard(current, err as Error);
        throw err;
      }
      this.backoff = undefined;
      const left = unwritten(pending, acks, (m) => this.placed.get(m));
      if (left.length === 0) return;
      const messages = left.reduce((n, t) => n + t.messages.length, 0);
      this.resent?.inc(messages);
      this.logger.warn({ messages, topics: left.map((t) => t.topic), round }, 'Kafka acknowledged a send without some of its partitions: sending their messages again');
      if (round === SEND_ROUNDS) {
        const err = new Error(`${messages} messages still unacknowledged after ${SEND_ROUNDS} rounds`);
        this.discard(current, err);
        throw err;
      }
      pending = left;
    }
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    const current = this.current;
    this.current = undefined;
    if (current?.live) await current.live.disconnect();
    // One still connecting (the broker away) is not waited for: it is disconnected if it ever connects.
    else void current?.producer.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** The producer in use, created (and connected) when there is none, not before the backoff has passed. */
  private producer(): Current {
    if (!this.current) {
      const current: Current = { producer: this.create() };
      current.producer.then(
        (p) => (current.live = p),
        (err: Error) => this.discard(current, err),
      );
      this.current = current;
    }
    return this.current;
  }

  private async create(): Promise<Producer> {
    const wait = this.notBefore - Date.now();
    if (wait > 0) await sleep(wait);
    if (this.stopped) throw new Error('the producer was disconnected');
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: this.partitioner });
    await producer.connect();
    return producer;
  }

  /** kafkajs's default partitioner (the Java client's murmur2 of the key), recording where each message went. */
  private readonly partitioner: ICustomPartitioner = () => {
    const partition = Partitioners.DefaultPartitioner();
    return (args) => {
      const p = partition(args);
      this.placed.set(args.message, p);
      return p;
    };
  };

  /** Stops using this producer: the next send creates a new one once the backoff has passed. */
  private discard(current: Current, err: Error): void {
    if (this.current !== current) return;
    this.current = undefined;
    this.backoff = (this.backoff ?? REPLACE_BACKOFF).next(undefined);
    this.notBefore = Date.now() + this.backoff.duration;
    this.replaced?.inc();
    this.logger.warn({ err: err.message, nextInMs: Math.round(this.backoff.duration) }, 'Kafka producer discarded after a failed send (its sequence numbers may no longer match the broker\'s); a new one takes over');
    void current.producer.then((p) => p.disconnect()).catch(() => undefined);
  }
}
