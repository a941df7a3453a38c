/**
 * What a demo expects beside what it observed: each row is one claim of the seed documents
 * ("every order decided", "TTD under 1 s"), the value the run measured, and whether it holds.
 * A demo passes only when every row holds and the history check passes too.
 */

export interface Expectation {
  what: string;
  expected: string;
  observed: string;
  met: boolean;
  /**
   * A bound on how fast (a latency, a time to detect) that a saturated host can miss without the
   * system doing anything wrong: the demo still requires it; the tests report it as a diagnostic.
   */
  timing?: true;
}

/** Marks a row as a bound on time (see Expectation.timing). */
export const timing = (e: Expectation): Expectation => ({ ...e, timing: true });

const fmt = (n: number, unit: string) => `${Number.isInteger(n) ? n : n.toFixed(1)}${unit ? ` ${unit}` : ''}`;

export function atMost(what: string, observed: number | undefined, bound: number, unit = ''): Expectation {
  return { what, expected: `≤ ${fmt(bound, unit)}`, observed: observed === undefined ? 'not measured' : fmt(observed, unit), met: observed !== undefined && observed <= bound };
}

export function atLeast(what: string, observed: number | undefined, bound: number, unit = ''): Expectation {
  return { what, expected: `≥ ${fmt(bound, unit)}`, observed: observed === undefined ? 'not measured' : fmt(observed, unit), met: observed !== undefined && observed >= bound };
}

export function equals<T extends string | number | boolean>(what: string, observed: T | undefined, expected: T): Expectation {
  return { what, expected: String(expected), observed: observed === undefined ? 'not measured' : String(observed), met: observed === expected };
}

/** The expectation table as plain text columns, with a verdict line. */
export function renderExpectations(scenario: string, rows: readonly Expectation[]): string {
  const header = ['', 'expected', 'observed', ''];
  const body = rows.map((r) => [r.what, r.expected, r.observed, r.met ? 'ok' : 'MISMATCH']);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const verdict = rows.every((r) => r.met) ? 'every expectation met' : `${rows.filter((r) => !r.met).length} of ${rows.length} expectations NOT met`;
  return [`${scenario}: expected beside observed`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', verdict].join('\n');
}
