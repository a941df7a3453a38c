import { z } from 'zod';
import { commonEnv, endpointsEnv, parseServiceEnv } from '@ftlab/shared';

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  /** Per-replica deadline of a fan-out call (the seed's voting timeout). */
  VOTE_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(300),
  /**
   * How long a read may spend asking again after a round without quorum (lag between replicas, a
   * stalled call); the first round always has the full VOTE_TIMEOUT_MS.
   */
  VOTE_DEADLINE_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseServiceEnv(envShape, env);
}
export type Config = ReturnType<typeof loadConfig>;
