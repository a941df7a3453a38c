import type { FaultEvent } from '../checker/history';
import type { DbClock } from './audit';
import type { FaultReport } from './report';

/** The experiment's faults as the history records them: each trial's injection and clearing. */
export function trialFaults(faults: readonly FaultReport[], clock: Pick<DbClock, 'toLocal'>): FaultEvent[] {
  const events: FaultEvent[] = [];
  for (const f of faults) {
    for (const t of f.trials) {
      if (t.injected_at) events.push({ atMs: clock.toLocal(new Date(t.injected_at)), action: 'inject', kind: f.type, target: f.instance_id });
      if (t.cleared_at) events.push({ atMs: clock.toLocal(new Date(t.cleared_at)), action: 'clear', kind: f.type, target: f.instance_id });
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}
