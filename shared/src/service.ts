import { ConfigError } from './env';
import { createLogger, type Logger } from './logger';

/** The PostgreSQL application_name of a service's connections: the prefix marks them as ft-lab's. */
export const SERVICE_APPLICATION_PREFIX = 'ftlab:';
export const serviceApplicationName = (name: string) => `${SERVICE_APPLICATION_PREFIX}${name}`;

export type Closer = { name: string; close: () => Promise<unknown> | unknown };

/**
 * What a service that writes to the log and the database closes last, in this order: the producer
 * once nothing is left that could send, then table maintenance, then the pool once nothing is left
 * that could query.
 */
export function storageClosers(parts: { producer: { disconnect(): Promise<unknown> }; maintenance: { stop(): Promise<unknown> | unknown }; pool: { end(): Promise<unknown> } }): Closer[] {
  return [
    { name: 'producer', close: () => parts.producer.disconnect() },
    { name: 'maintenance', close: () => parts.maintenance.stop() },
    { name: 'pool', close: () => parts.pool.end() },
  ];
}

/**
 * Runs a service's start function and owns its lifecycle: a configuration error exits 2 with the
 * message, any other start failure exits 1, and SIGTERM/SIGINT close what `start` returned in
 * order (stop accepting first, then consumers, producers and pools) before exiting 0.
 */
export function runService(service: string, instance: string | undefined, start: (logger: Logger) => Promise<Closer[]>): void {
  const logger = createLogger(service, instance);
  // Every database connection this process opens carries its name (pg_stat_activity shows who
  // holds what, and the db-flapping fault terminates exactly the services' connections).
  process.env.PGAPPNAME ??= serviceApplicationName(instance ? `${service}-${instance}` : service);
  let closers: Closer[] = [];
  let stopping = false;

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    for (const closer of closers) {
      try {
        await closer.close();
      } catch (err) {
        logger.warn({ err: (err as Error).message, closer: closer.name }, 'error while closing');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  start(logger)
    .then((c) => {
      closers = c;
    })
    .catch((err: Error) => {
      if (err instanceof ConfigError) {
        logger.fatal(err.message);
        process.exit(2);
      }
      logger.fatal({ err }, `failed to start: ${err.message}`);
      process.exit(1);
    });
}
