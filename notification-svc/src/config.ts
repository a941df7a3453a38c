import { z } from 'zod';
import { commonEnv, DEFAULT_HOST, endpointsEnv, parseServiceEnv } from '@ftlab/shared';

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  /** The mail server (the mail sink's SMTP side); its port is MAIL_SINK_SMTP_PORT. */
  MAIL_SINK_SMTP_HOST: z.string().min(1).default(DEFAULT_HOST),
  /** Who the outcome emails go to (orders carry no customer address yet) and from. */
  NOTIFY_TO: z.string().email().default('customer@example.com'),
  NOTIFY_FROM: z.string().email().default('orders@ftlab.example'),
  /** One SMTP attempt: connection and answer. */
  NOTIFY_SMTP_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(2000),
  /** While mail is down, rounds are tried again after a backoff from this up to NOTIFY_RETRY_MAX_MS. */
  NOTIFY_RETRY_INITIAL_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  NOTIFY_RETRY_MAX_MS: z.coerce.number().int().min(1).max(600_000).default(2000),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseServiceEnv(envShape, env);
}
export type Config = ReturnType<typeof loadConfig>;
