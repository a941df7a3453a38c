import { z } from 'zod';
import { DEFAULT_MAIL_SINK_HTTP_PORT, DEFAULT_MAIL_SINK_SMTP_PORT, commonEnv, parseEnv, port } from '@ftlab/shared';

const envShape = {
  HOST: commonEnv.HOST,
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  MAIL_SINK_SMTP_PORT: port.default(DEFAULT_MAIL_SINK_SMTP_PORT),
  MAIL_SINK_HTTP_PORT: port.default(DEFAULT_MAIL_SINK_HTTP_PORT),
  /** Messages kept in memory; past this the oldest are forgotten (and a resend of one is stored again). */
  MAIL_SINK_MAX_MESSAGES: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv(envShape, env);
}
export type Config = ReturnType<typeof loadConfig>;
