import { formatMeasured } from '../lib/format';

/**
 * Numbers a scenario measured beyond its expectations (the breaker's time to open, orders
 * confirmed and cancelled, emails delivered late...): report.json keeps them under their key,
 * report.md and the demo show them under their label. Pure.
 */
export interface Figure {
  key: string;
  label: string;
  /** null: not measured (nothing to measure, or it never happened: a breaker that never opened). */
  value: number | null;
  unit: 'ms' | 'count' | 'share';
}

export const figure = (key: string, label: string, value: number | null | undefined, unit: Figure['unit'] = 'count'): Figure => ({
  key,
  label,
  value: value === undefined || (value !== null && !Number.isFinite(value)) ? null : value,
  unit,
});

export const formatFigure = (f: Figure): string => formatMeasured(f.value, f.unit);

/** The figures as plain text lines for the demo: "label: value". */
export function renderFigures(figures: readonly Figure[]): string {
  if (figures.length === 0) return '';
  const width = Math.max(...figures.map((f) => f.label.length));
  return ['figures', ...figures.map((f) => `  ${f.label.padEnd(width)}  ${formatFigure(f)}`)].join('\n');
}
