import { z } from 'zod';
import { commonEnv, endpointsEnv, instanceIdEnv, parseEnv, replicaPort, resolveEndpoints } from '@ftlab/shared';

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  INSTANCE_ID: instanceIdEnv,
  /** A replica is ready (health 200) only while fewer messages than this wait to be applied. */
  READY_MAX_LAG: z.coerce.number().int().min(0).default(200),
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(envShape, env);
  return { ...parsed, port: replicaPort(parsed, parsed.INSTANCE_ID), endpoints: resolveEndpoints(parsed, parsed.HOST) };
}
export type Config = ReturnType<typeof loadConfig>;
