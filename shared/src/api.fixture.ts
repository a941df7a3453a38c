import { failureRecord, type FailureRecord } from './api';

/**
 * For tests: one open failure of replica 2 (a timeout, detected after 1 s, linked to a latency
 * fault), valid by the contract. Producer and consumer tests start from the same record so they
 * test the same shape; `over` changes what a test is about.
 */
export function sampleFailureRecord(over: Partial<FailureRecord> = {}): FailureRecord {
  return failureRecord.parse({
    id: 1,
    instance_id: '2',
    cause: 'timeout',
    detail: 'timeout on /health',
    fault_id: 7,
    fault_type: 'latency',
    started_at: '2025-01-01T00:00:00.000Z',
    detected_at: '2025-01-01T00:00:01.000Z',
    resolved_at: null,
    ttd_ms: 1000,
    ttr_ms: null,
    ...over,
  });
}
