import { randomUUID } from 'node:crypto';
import type { ConsumerOptions } from './consumer/options';
import { deadLetterOf, decodeEvent } from './events';
import { CONSUMER_FETCH_WAIT_MS, eventMessage } from './kafka';
import { counter } from './metrics';

/**
 * A consumer of live signals (error reports): it starts at the end of the topic, because a report
 * from before this process started describes a past that the probes have already re-examined.
 * Events that do not parse go to the dead-letter topic and never stop it.
 */
export async function startEventConsumer<E>(opts: ConsumerOptions<E> & { handle: (event: E) => void }): Promise<{ stop: () => Promise<void> }> {
  const messages = counter(opts.registry, 'consumer_messages_total', 'Log messages handled, by result', ['consumer', 'result']);
  const consumer = opts.kafka.consumer({ groupId: `${opts.consumer}-${randomUUID()}`, maxWaitTimeInMs: CONSUMER_FETCH_WAIT_MS, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const decoded = decodeEvent(opts.schema, message.value);
      if (decoded.ok) {
        messages.inc({ consumer: opts.consumer, result: 'applied' });
        opts.handle(decoded.event);
        return;
      }
      messages.inc({ consumer: opts.consumer, result: 'dead_lettered' });
      const letter = deadLetterOf(opts.topic, opts.consumer, partition, message, decoded.reason);
      opts.logger.warn({ deadLetter: letter }, 'event dead-lettered');
      await opts.producer.send({ topic: opts.deadLetterTopic, messages: [eventMessage('deadLetters', letter)] });
    },
  });
  return { stop: () => consumer.disconnect() };
}
