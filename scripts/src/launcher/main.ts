import path from 'node:path';
import { ConfigError, parseEnv } from '@ftlab/shared';
import { RUN_DIR } from '../lib/paths';
import { SERVICE_NAMES, type RunningSystem } from '../lib/system';
import { ADMIN_TOKEN_FILE } from '../lib/admin-token';
import { Lifecycle } from '../lib/lifecycle';
import { onStopSignals } from '../lib/signals';
import { localStackEnv, startLocalStack } from '../lib/local-stack';
import { parseLauncherArgs } from './args';
import { launcherLogger, lineFormatter } from './terminal-logs';

/**
 * `npm start [-- --brokers N]`: the whole system in the foreground: a local Kafka of N nodes, one
 * by default (unless KAFKA_BROKERS points at a cluster), PostgreSQL (the running one, or an
 * embedded one), the services and the two simulators of the outside world (the payment gateway
 * and the mail sink), all restarted when they crash. Ctrl-C stops everything
 * it started, in reverse order. The services' logs are shown too: readable at a terminal, JSON
 * lines when stdout is a file or a pipe.
 */

const LOG_DIR = path.join(RUN_DIR, 'logs');
const HEALTHY_WITHIN_MS = 30_000;

const terminal = process.stdout.isTTY === true;
const formatLine = lineFormatter(terminal);
const logger = launcherLogger(formatLine, terminal);
const echo = (line: string) => process.stdout.write(formatLine(line));

function printSummary(system: RunningSystem, kafka: string, postgres: string, tokenSource: string): void {
  const rows: [string, string][] = [
    ...SERVICE_NAMES.map((name): [string, string] => [name, system.urls[name]]),
    ['mail-sink smtp', `smtp://${new URL(system.urls['mail-sink']).hostname}:${system.ports.mailSinkSmtp}`],
    ['kafka', kafka],
    ['postgres', postgres],
    ['admin token', tokenSource],
    ['logs', system.logDir],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, where]) => `  ${name.padEnd(width)}  ${where}`);
  process.stdout.write(`\nft-lab is running:\n${lines.join('\n')}\nPress Ctrl-C to stop.\n\n`);
}

async function main(): Promise<void> {
  const env = parseEnv(localStackEnv);
  const args = parseLauncherArgs(process.argv.slice(2));
  const tokenSource = env.ADMIN_TOKEN ? 'from ADMIN_TOKEN' : ADMIN_TOKEN_FILE;
  const lifecycle = new Lifecycle(logger);

  onStopSignals(logger, 'stopping: services, then Kafka, then PostgreSQL', () => {
    void lifecycle.stop().then(() => {
      logger.info('everything stopped');
      process.exit(0);
    });
  });

  try {
    const { brokers, kafka, postgres, system } = await startLocalStack(env, { lifecycle, logger, logDir: LOG_DIR, brokers: args.brokers, echo });
    const started = Date.now();
    await system.waitHealthy('all', HEALTHY_WITHIN_MS).then(
      () => logger.info({ ms: Date.now() - started }, 'all services healthy'),
      // Not fatal: the supervisor keeps restarting whatever is down, and the logs say why.
      (err: Error) => logger.warn(err.message),
    );
    if (lifecycle.isStopping) return;
    const where = { external: '(external)', running: '(already running)', started: `(${args.brokers} local broker${args.brokers > 1 ? 's' : ''}, logs in ${path.join(LOG_DIR, 'kafka')})` }[kafka];
    printSummary(system, `${brokers.join(',')} ${where}`, `${env.DATABASE_URL}${postgres.embedded ? ' (embedded)' : ''}`, tokenSource);
  } catch (err) {
    if (lifecycle.isStopping) return; // a signal interrupted the start: onSignal finishes the shutdown
    logger.fatal({ err }, `start failed: ${(err as Error).message}`);
    await lifecycle.stop();
    process.exit(1);
  }
}

main().catch((err: Error) => {
  // Only errors from before anything was started get here: configuration, arguments, the token file.
  logger.fatal(err.message);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
