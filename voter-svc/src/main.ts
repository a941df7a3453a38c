import {
  closeServer,
  connectToLog,
  createApp,
  createPool,
  createRegistry,
  ensureDatabase,
  finishApp,
  listen,
  runService,
  topicNames,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { Membership } from './membership';
import { createReporter } from './reporter';
import { voterRoutes } from './routes';
import { VoteCounters } from './stats';
import { Voter } from './voter';

const SERVICE = 'voter-svc';

runService(SERVICE, undefined, async (logger) => {
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SERVICE, SERVICE);
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL, 2);
  const membership = new Membership(pool, config.DATABASE_URL, logger);
  await membership.start();

  const log = await connectToLog({ brokers: config.KAFKA_BROKERS, clientId: SERVICE, topics, logger, registry });
  const { producer } = log;

  const stats = new VoteCounters();
  const voter = new Voter({
    membership,
    urls: config.endpoints.inventory,
    timeoutMs: config.VOTE_TIMEOUT_MS,
    deadlineMs: config.VOTE_DEADLINE_MS,
    report: createReporter(producer, topics.replicaErrors, logger, registry),
    stats,
    registry,
    logger,
  });
  const app = createApp({ registry, health: () => ({ ok: true, service: SERVICE, membership: membership.snapshot() }) });
  voterRoutes(app, { voter, stats, membership });
  finishApp(app, logger);
  const server = await listen(app, config.VOTER_PORT, config.HOST);
  logger.info({ port: config.VOTER_PORT, host: config.HOST }, 'listening');

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'membership', close: () => membership.stop() },
    { name: 'producer', close: () => producer.disconnect() },
    { name: 'pool', close: () => pool.end() },
  ];
});
