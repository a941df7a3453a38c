import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs with service and instance on every line, so interleaved replica logs stay readable. */
export function createLogger(service: string, instance?: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service, instance: instance ?? service } });
}
