import { z } from 'zod';
import { commonEnv, endpointsEnv, parseEnv, resolveEndpoints } from '@ftlab/shared';

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(envShape, env);
  return { ...parsed, endpoints: resolveEndpoints(parsed, parsed.HOST) };
}
export type Config = ReturnType<typeof loadConfig>;
