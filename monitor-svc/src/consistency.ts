import type { ReplicaId, StockView } from '@ftlab/shared';

/**
 * Cross-checks the replicas' answers. Replicas are deterministic over the log, so two of them at
 * the same log position must report the same stock; a difference there is a lie, a difference
 * at different positions is only lag. Only comparable answers yield a verdict.
 */
export type ConsistencyVerdict = 'matches' | 'differs';

export function crossCheck(snapshots: Partial<Record<ReplicaId, StockView[]>>): Map<ReplicaId, ConsistencyVerdict> {
  const verdicts = new Map<ReplicaId, ConsistencyVerdict>();
  // Group every answer by product and log position: only answers within one group are comparable.
  const groups = new Map<string, { id: ReplicaId; value: string }[]>();
  for (const [id, views] of Object.entries(snapshots) as [ReplicaId, StockView[]][]) {
    for (const v of views) {
      const key = `${v.product_id}@${v.position.partition}:${v.position.offset}`;
      groups.set(key, [...(groups.get(key) ?? []), { id, value: `${v.available_quantity}/${v.reserved_quantity}` }]);
    }
  }
  for (const answers of groups.values()) {
    const counts = new Map<string, number>();
    for (const a of answers) counts.set(a.value, (counts.get(a.value) ?? 0) + 1);
    // Two equal answers are a majority of three; without one there is no verdict.
    const majority = [...counts].find(([, n]) => n >= 2)?.[0];
    if (majority === undefined) continue;
    for (const a of answers) {
      const verdict = a.value === majority ? 'matches' : 'differs';
      if (verdicts.get(a.id) !== 'differs') verdicts.set(a.id, verdict);
    }
  }
  return verdicts;
}
