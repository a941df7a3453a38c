import type { ReplicaId } from '@ftlab/shared';
import { formatMs } from '../lib/format';
import type { FaultType } from './plan';
import type { LatencyBucket, TimeWindow } from './read-metrics';

/**
 * timeline.svg, written by hand: no browser or plotting library, so it renders the same on CI.
 * Read latency (p50/p99 per bucket, log scale) over the run, the share of failed reads, the
 * fault windows shaded and labelled, and each replica's ON/OFF band beneath.
 */

export interface TimelineFault {
  type: FaultType;
  label: string;
  window: TimeWindow;
}

export interface TimelineInput {
  title: string;
  /** Epoch ms: the chart's left and right edges. */
  start: number;
  end: number;
  bucketMs: number;
  /** offsetMs is relative to `start`. */
  buckets: readonly LatencyBucket[];
  faults: readonly TimelineFault[];
  replicas: readonly { instance_id: ReplicaId; off: readonly TimeWindow[] }[];
}

const FAULT_COLORS: Record<FaultType, string> = {
  crash: '#e53e3e',
  latency: '#dd6b20',
  intermittent: '#b7791f',
  incorrect: '#805ad5',
};
const P50_COLOR = '#2b6cb0';
const P99_COLOR = '#1a202c';
const FAILED_COLOR = '#e53e3e';
const ON_COLOR = '#48bb78';
const OFF_COLOR = '#c53030';

const MARGIN = { left: 78, right: 24, bottom: 44 };
/** Baseline of the first legend row, the height of each further row, and the gap down to the plot. */
const LEGEND_TOP = 44;
const LEGEND_ROW = 18;
const LEGEND_GAP = 16;
const PLOT_HEIGHT = 300;
const STRIP_HEIGHT = 28;
const BAND_HEIGHT = 18;
const BAND_GAP = 6;
const SECTION_GAP = 14;
/** Horizontal resolution: wide enough to separate 250 ms buckets in a short run, capped for long ones. */
const PX_PER_SECOND = 8;
const MIN_PLOT_WIDTH = 900;
const MAX_PLOT_WIDTH = 3600;
const TICK_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Log-scale decades that cover the data: at least 1 ms … 1 s, so quiet runs and bad runs look comparable. */
export function latencyDecades(buckets: readonly LatencyBucket[]): { lo: number; hi: number } {
  const positive = buckets.flatMap((b) => [b.p50_ms, b.p99_ms]).filter((v) => v > 0);
  const min = Math.min(1, ...positive);
  const max = Math.max(1000, ...positive);
  return { lo: 10 ** Math.floor(Math.log10(min)), hi: 10 ** Math.ceil(Math.log10(max)) };
}

/** The smallest step from TICK_STEPS_S that keeps ticks at least ~90 px apart. */
export function tickStepSeconds(durationS: number, plotWidth: number): number {
  const wanted = (durationS * 90) / plotWidth;
  return TICK_STEPS_S.find((s) => s >= wanted) ?? TICK_STEPS_S[TICK_STEPS_S.length - 1]!;
}

export interface LegendItem {
  /** SVG drawn at the item's origin (text baseline), 18 px wide; empty for a text-only item. */
  swatch: string;
  label: string;
}

/** Rough width of 11 px DejaVu Sans text; the legend only needs to not overlap, not to be exact. */
const textWidth = (text: string) => text.length * 6.5;

/** Places legend items left to right, wrapping to a new row rather than running off the chart. */
export function layoutLegend(items: readonly LegendItem[], maxWidth: number): { x: number; row: number }[] {
  let x = 0;
  let row = 0;
  return items.map((item) => {
    const width = (item.swatch ? 24 : 0) + textWidth(item.label) + 10;
    if (x > 0 && x + width > maxWidth) (x = 0), (row += 1);
    const placed = { x, row };
    x += width;
    return placed;
  });
}

/**
 * Polyline path through the buckets, lifted where buckets are missing so a gap shows as a gap.
 * A bucket with no latency (every read dropped, value 0) is a gap too: 0 has no place on a log axis.
 */
function seriesPath(buckets: readonly LatencyBucket[], bucketMs: number, x: (offsetMs: number) => number, y: (ms: number) => number, pick: (b: LatencyBucket) => number): string {
  let previous: number | undefined;
  const parts: string[] = [];
  for (const b of buckets) {
    if (pick(b) <= 0) {
      previous = undefined;
      continue;
    }
    const command = previous !== undefined && b.offsetMs - previous <= bucketMs ? 'L' : 'M';
    parts.push(`${command}${r1(x(b.offsetMs + bucketMs / 2))},${r1(y(pick(b)))}`);
    previous = b.offsetMs;
  }
  return parts.join(' ');
}

export function renderTimeline(input: TimelineInput): string {
  const durationMs = Math.max(1, input.end - input.start);
  const plotWidth = Math.min(MAX_PLOT_WIDTH, Math.max(MIN_PLOT_WIDTH, (durationMs / 1000) * PX_PER_SECOND));
  const peak = input.buckets.reduce((m, b) => Math.max(m, b.p99_ms), 0);
  const legend: LegendItem[] = [
    { swatch: `<line x1="0" y1="-4" x2="18" y2="-4" stroke="${P50_COLOR}" stroke-width="2"/>`, label: `p50 per ${input.bucketMs} ms` },
    { swatch: `<line x1="0" y1="-4" x2="18" y2="-4" stroke="${P99_COLOR}" stroke-width="1.2"/>`, label: 'p99' },
    { swatch: `<rect x="0" y="-9" width="18" height="10" fill="${FAILED_COLOR}" opacity="0.7"/>`, label: 'failed reads (share)' },
    { swatch: `<rect x="0" y="-9" width="18" height="10" fill="${OFF_COLOR}"/>`, label: 'replica OFF' },
    ...[...new Set(input.faults.map((f) => f.type))].map((type) => ({
      swatch: `<rect x="0" y="-9" width="18" height="10" fill="${FAULT_COLORS[type]}" opacity="0.25" stroke="${FAULT_COLORS[type]}"/>`,
      label: `${type} window`,
    })),
    { swatch: '', label: `worst bucket p99: ${formatMs(peak)}` },
  ];
  const placed = layoutLegend(legend, plotWidth);
  const legendRows = Math.max(0, ...placed.map((p) => p.row)) + 1;
  const plotTop = LEGEND_TOP + (legendRows - 1) * LEGEND_ROW + LEGEND_GAP;
  const stripTop = plotTop + PLOT_HEIGHT + SECTION_GAP;
  const bandsTop = stripTop + STRIP_HEIGHT + SECTION_GAP;
  const bandsBottom = bandsTop + input.replicas.length * (BAND_HEIGHT + BAND_GAP) - BAND_GAP;
  const width = MARGIN.left + plotWidth + MARGIN.right;
  const height = bandsBottom + MARGIN.bottom;

  const xOffset = (offsetMs: number) => MARGIN.left + (Math.min(Math.max(offsetMs, 0), durationMs) / durationMs) * plotWidth;
  const xTime = (epochMs: number) => xOffset(epochMs - input.start);
  const { lo, hi } = latencyDecades(input.buckets);
  const span = Math.log10(hi) - Math.log10(lo);
  const y = (ms: number) => plotTop + PLOT_HEIGHT * (1 - (Math.log10(Math.min(hi, Math.max(lo, ms))) - Math.log10(lo)) / span);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r1(width)}" height="${height}" viewBox="0 0 ${r1(width)} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${r1(width)}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="15" font-weight="bold">${escapeXml(input.title)}</text>`,
  );

  legend.forEach((item, i) => {
    const { x, row } = placed[i]!;
    const label = `<text x="${item.swatch ? 24 : 0}" y="0"${item.swatch ? '' : ' fill="#4a5568"'}>${escapeXml(item.label)}</text>`;
    out.push(`<g transform="translate(${r1(MARGIN.left + x)},${LEGEND_TOP + row * LEGEND_ROW})">${item.swatch}${label}</g>`);
  });

  // Fault windows first, so everything else is drawn over the shading.
  for (const f of input.faults) {
    const x0 = xTime(f.window.start);
    const w = Math.max(2, xTime(f.window.end) - x0);
    const color = FAULT_COLORS[f.type];
    out.push(
      `<rect x="${r1(x0)}" y="${plotTop}" width="${r1(w)}" height="${bandsBottom - plotTop}" fill="${color}" opacity="0.16"/>`,
      `<line x1="${r1(x0)}" y1="${plotTop}" x2="${r1(x0)}" y2="${bandsBottom}" stroke="${color}" stroke-width="1"/>`,
      // Vertical labels: windows a few seconds apart would overlap horizontal ones.
      `<text transform="translate(${r1(x0 + 11)},${plotTop + 4}) rotate(90)" fill="${color}" font-size="10">${escapeXml(f.label)}</text>`,
    );
  }

  // Latency axes and grid: one line per decade.
  out.push(`<rect x="${MARGIN.left}" y="${plotTop}" width="${r1(plotWidth)}" height="${PLOT_HEIGHT}" fill="none" stroke="#a0aec0"/>`);
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    const yy = r1(y(decade));
    out.push(
      `<line x1="${MARGIN.left}" y1="${yy}" x2="${r1(MARGIN.left + plotWidth)}" y2="${yy}" stroke="#e2e8f0"/>`,
      `<text x="${MARGIN.left - 6}" y="${yy + 4}" text-anchor="end">${escapeXml(decade >= 1000 ? `${decade / 1000} s` : `${decade} ms`)}</text>`,
    );
  }
  out.push(`<text transform="translate(16,${plotTop + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">read latency (log)</text>`);

  const step = tickStepSeconds(durationMs / 1000, plotWidth);
  for (let s = 0; s * 1000 <= durationMs; s += step) {
    const xx = r1(xOffset(s * 1000));
    out.push(
      `<line x1="${xx}" y1="${plotTop + PLOT_HEIGHT}" x2="${xx}" y2="${bandsBottom + 4}" stroke="#edf2f7"/>`,
      `<text x="${xx}" y="${bandsBottom + 18}" text-anchor="middle">${s} s</text>`,
    );
  }
  out.push(`<text x="${r1(MARGIN.left + plotWidth / 2)}" y="${bandsBottom + 36}" text-anchor="middle">time since start of the run</text>`);

  const xBucket = (offsetMs: number) => xOffset(offsetMs);
  out.push(
    `<path d="${seriesPath(input.buckets, input.bucketMs, xBucket, y, (b) => b.p50_ms)}" fill="none" stroke="${P50_COLOR}" stroke-width="2"/>`,
    `<path d="${seriesPath(input.buckets, input.bucketMs, xBucket, y, (b) => b.p99_ms)}" fill="none" stroke="${P99_COLOR}" stroke-width="1.2"/>`,
  );

  // Failed reads: a bar per bucket, as tall as the failed share.
  out.push(
    `<rect x="${MARGIN.left}" y="${stripTop}" width="${r1(plotWidth)}" height="${STRIP_HEIGHT}" fill="none" stroke="#a0aec0"/>`,
    `<text x="${MARGIN.left - 6}" y="${stripTop + STRIP_HEIGHT / 2 + 4}" text-anchor="end">failed</text>`,
  );
  const barWidth = Math.max(1, (input.bucketMs / durationMs) * plotWidth);
  for (const b of input.buckets) {
    if (b.failures === 0) continue;
    const h = (STRIP_HEIGHT * b.failures) / b.count;
    out.push(`<rect x="${r1(xBucket(b.offsetMs))}" y="${r1(stripTop + STRIP_HEIGHT - h)}" width="${r1(barWidth)}" height="${r1(h)}" fill="${FAILED_COLOR}" opacity="0.7"/>`);
  }

  // Replica bands: ON everywhere except the audited OFF periods.
  input.replicas.forEach((replica, i) => {
    const top = bandsTop + i * (BAND_HEIGHT + BAND_GAP);
    out.push(
      `<text x="${MARGIN.left - 6}" y="${top + BAND_HEIGHT / 2 + 4}" text-anchor="end">replica ${escapeXml(replica.instance_id)}</text>`,
      `<rect x="${MARGIN.left}" y="${top}" width="${r1(plotWidth)}" height="${BAND_HEIGHT}" fill="${ON_COLOR}" opacity="0.55"/>`,
    );
    for (const off of replica.off) {
      const x0 = xTime(off.start);
      out.push(`<rect x="${r1(x0)}" y="${top}" width="${r1(Math.max(1.5, xTime(off.end) - x0))}" height="${BAND_HEIGHT}" fill="${OFF_COLOR}"/>`);
    }
  });

  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
