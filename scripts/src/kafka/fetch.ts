import { createLogger } from '@ftlab/shared';
import { ensureKafkaJars } from '../lib/kafka/jars';

/** `npm run kafka:fetch`: download the broker's jars ahead of time (e.g. before going offline). */
const logger = createLogger('kafka-fetch');
ensureKafkaJars(logger).then(
  (dir) => logger.info({ dir }, 'Kafka jars are in place'),
  (err: Error) => {
    logger.fatal(err.message);
    process.exitCode = 1;
  },
);
