import path from 'node:path';
import { z } from 'zod';
import { commonEnv, endpointsEnv, parseEnv, resolveEndpoints } from '@ftlab/shared';
import { DEFAULT_DETECTOR_CONFIG } from './detector';
import { DEFAULT_LEADERSHIP_CONFIG } from './leadership';

const ms = z.coerce.number().int().min(1).max(60_000);
const count = z.coerce.number().int().min(1).max(100);

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  PROBE_INTERVAL_MS: ms.default(DEFAULT_DETECTOR_CONFIG.intervalMs),
  PROBE_SUSPECT_INTERVAL_MS: ms.default(DEFAULT_DETECTOR_CONFIG.suspectIntervalMs),
  FAILURE_THRESHOLD: count.default(DEFAULT_DETECTOR_CONFIG.failureThreshold),
  RECOVERY_THRESHOLD: count.default(DEFAULT_DETECTOR_CONFIG.recoveryThreshold),
  FAILURE_WINDOW_SIZE: count.default(DEFAULT_DETECTOR_CONFIG.windowSize),
  FAILURE_WINDOW_FAILURES: count.default(DEFAULT_DETECTOR_CONFIG.windowFailures),
  PROBE_MIN_TIMEOUT_MS: ms.default(DEFAULT_DETECTOR_CONFIG.minTimeoutMs),
  PROBE_MAX_TIMEOUT_MS: ms.default(DEFAULT_DETECTOR_CONFIG.maxTimeoutMs),
  CONSISTENCY_INTERVAL_MS: ms.default(200),
  /** Which of the two monitors this is: 1 listens on MONITOR_PORT, 2 on MONITOR_2_PORT. Either may lead. */
  MONITOR_INSTANCE: z.enum(['1', '2']).default('1'),
  LEADER_POLL_MS: ms.default(DEFAULT_LEADERSHIP_CONFIG.pollMs),
  LEADER_STALE_MS: ms.default(DEFAULT_LEADERSHIP_CONFIG.staleAfterMs),
  LEADER_DEPOSE_MS: ms.default(DEFAULT_LEADERSHIP_CONFIG.deposeAfterMs),
  /** Where the experiment writes its reports; the dashboard serves <REPORTS_DIR>/latest. Default <repo>/reports. */
  REPORTS_DIR: z
    .string()
    .min(1)
    .default(path.resolve(__dirname, '../../reports'))
    .transform((dir) => path.resolve(dir)),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(envShape, env);
  return {
    ...parsed,
    endpoints: resolveEndpoints(parsed, parsed.HOST),
    instance: `monitor-${parsed.MONITOR_INSTANCE}`,
    port: parsed.MONITOR_INSTANCE === '1' ? parsed.MONITOR_PORT : parsed.MONITOR_2_PORT,
    leadership: { pollMs: parsed.LEADER_POLL_MS, staleAfterMs: parsed.LEADER_STALE_MS, deposeAfterMs: parsed.LEADER_DEPOSE_MS },
    detector: {
      intervalMs: parsed.PROBE_INTERVAL_MS,
      suspectIntervalMs: parsed.PROBE_SUSPECT_INTERVAL_MS,
      failureThreshold: parsed.FAILURE_THRESHOLD,
      recoveryThreshold: parsed.RECOVERY_THRESHOLD,
      windowSize: parsed.FAILURE_WINDOW_SIZE,
      windowFailures: parsed.FAILURE_WINDOW_FAILURES,
      minTimeoutMs: parsed.PROBE_MIN_TIMEOUT_MS,
      maxTimeoutMs: parsed.PROBE_MAX_TIMEOUT_MS,
    },
  };
}
export type Config = ReturnType<typeof loadConfig>;
