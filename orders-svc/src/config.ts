import { z } from 'zod';
import { commonEnv, endpointsEnv, parseServiceEnv } from '@ftlab/shared';

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseServiceEnv(envShape, env);
}
export type Config = ReturnType<typeof loadConfig>;
