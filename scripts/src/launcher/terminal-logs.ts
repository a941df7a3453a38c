import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { createLogger, type Logger } from '@ftlab/shared';

/**
 * How `npm start` shows its own and the services' log lines: JSON as they are when stdout is a
 * file or a pipe (for machines), readable when a person watches a terminal.
 */

/** "voter-svc", or "inventory-svc 2" for a replica: who said it, ahead of the message. */
export function speaker(line: Record<string, unknown>): string {
  const { service, instance } = line;
  if (typeof service !== 'string') return typeof instance === 'string' ? instance : '';
  return typeof instance === 'string' && instance !== service ? `${service} ${instance}` : service;
}

/** Turns one log line into what is written, newline included; lines that are not JSON pass as they are. */
export function lineFormatter(terminal: boolean): (line: string) => string {
  if (!terminal) return (line) => `${line}\n`;
  return prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'service,instance',
    messageFormat: (log, messageKey) => `${speaker(log)}: ${String(log[messageKey] ?? '')}`,
  });
}

/** The launcher's logger, writing through `format` (createLogger's level and bindings, another destination). */
export function launcherLogger(format: (line: string) => string, terminal: boolean): Logger {
  const json = createLogger('launcher');
  if (!terminal) return json;
  return pino({ level: json.level, base: json.bindings() }, { write: (chunk: string) => process.stdout.write(format(chunk.trimEnd())) });
}
