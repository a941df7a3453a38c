import type { Logger } from '@ftlab/shared';

/**
 * Ctrl-C (or SIGTERM) once asks the tool to stop cleanly, with `stopping` saying how; a second
 * signal exits at once with 130, since the children die with us anyway (spawnOwned).
 */
export function onStopSignals(logger: Logger, stopping: string, stop: () => void): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now (started processes are killed)');
      process.exit(130);
    }
    logger.warn({ signal }, `${stopping} (signal again to force)`);
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
