/** The load library's public surface, for the benchmarks and the experiment runner. */
export { runLoad, loadSettings, type LoadOptions, type LoadProgress, type LoadReport, type LoadSettings } from './run-load';
export type { Sample, Outcome, RequestKind } from './sample';
export { summarizeSamples, windowSummaries, type TallySummary, type WindowSummary, type ReadStats } from './tally';
export { summarizeLatencies, LatencyHistogram, type LatencySummary } from '../lib/latency';
export { LOAD_MODES, DEFAULT_ORDER_SHARE, type LoadMode, type ReadTarget } from './workload';
export { formatReport, formatProgress, latencyLine } from './format';
export { judgeAnswer, type Verdict } from './wrong-answers';
