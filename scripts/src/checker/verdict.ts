/** A check's verdict: a name, pass/fail/not applicable, one line of summary, and the offending cases. */

export type CheckStatus = 'pass' | 'fail' | 'not_applicable';

export interface CheckVerdict {
  name: string;
  /** What the check guarantees, in one line. */
  title: string;
  status: CheckStatus;
  summary: string;
  /** One line per offending case (ids included), at most MAX_REASONS; `offenders` has the full count. */
  reasons: string[];
  offenders: number;
}

export const MAX_REASONS = 10;

/** A verdict from the offending cases: pass when there are none. */
export function verdictOf(name: string, title: string, offending: readonly string[], passSummary: string): CheckVerdict {
  const reasons = offending.slice(0, MAX_REASONS);
  if (offending.length > MAX_REASONS) reasons.push(`... and ${offending.length - MAX_REASONS} more`);
  return {
    name,
    title,
    status: offending.length === 0 ? 'pass' : 'fail',
    summary: offending.length === 0 ? passSummary : `${offending.length} violation(s)`,
    reasons,
    offenders: offending.length,
  };
}

export function notApplicable(name: string, title: string, why: string): CheckVerdict {
  return { name, title, status: 'not_applicable', summary: `not applicable: ${why}`, reasons: [], offenders: 0 };
}
