/** The load library's public surface, for the benchmarks, the experiment runner and the system tests. */
export { runLoad, type LoadOptions, type LoadReport } from './run-load';
export type { Sample } from './sample';
export type { TallySummary, WindowSummary } from './tally';
export { paceOpenLoop, scheduledCount } from './schedule';
