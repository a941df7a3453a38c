/** How numbers are written in report.md, on the chart and in the demos: one place, so all read the same. */

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** A share in 0..1 as a percentage; two decimals, because 99.0 % vs 99.04 % is the difference that matters. */
export function formatShare(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(2)} %`;
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : String(value);
}

export function formatMeasured(value: number | null, unit: 'ms' | 'share' | 'count'): string {
  return unit === 'ms' ? formatMs(value) : unit === 'share' ? formatShare(value) : formatCount(value);
}
