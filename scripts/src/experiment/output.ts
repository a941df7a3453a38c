import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderMarkdown } from './markdown';
import type { ReadSample } from './read-metrics';
import type { ExperimentReport } from './report';
import { renderTimeline, type TimelineInput } from './timeline-svg';

/** Writes one run's directory (report.json, report.md, timeline.svg/.png, reads.csv) and points `latest` at it. */

const CHART_SVG = 'timeline.svg';
const CHART_PNG = 'timeline.png';

/** A directory name from the start time that sorts by time and is safe on every filesystem: 2025-01-31T12-00-00Z. */
export function runDirName(startedAt: string): string {
  return startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** One line per read, for analysis beyond the report: due time (epoch ms), latency, status, quorum, verdict. */
export function readsCsv(reads: readonly ReadSample[]): string {
  const cell = (v: boolean | null) => (v === null ? '' : v ? '1' : '0');
  const lines = reads.map((r) => `${r.at.toFixed(1)},${r.latencyMs === null ? '' : r.latencyMs.toFixed(3)},${r.status},${cell(r.quorum)},${cell(r.wrong)}`);
  return `due_ms,latency_ms,status,quorum,wrong\n${lines.join('\n')}\n`;
}

/**
 * rsvg-convert (Debian: librsvg2-bin) when it is installed; the SVG is the chart, the PNG a
 * convenience, so its absence is a note, not an error.
 */
async function renderPng(svgFile: string, pngFile: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await promisify(execFile)('rsvg-convert', ['--background-color=white', '-o', pngFile, svgFile], { timeout: 60_000 });
    return { ok: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    return { ok: false, reason: e.code === 'ENOENT' ? 'rsvg-convert not installed (apt-get install librsvg2-bin)' : (e.stderr || e.message).trim() };
  }
}

/** Replaces `latest` atomically (a new link renamed over the old), so readers never see it missing. */
export async function pointLatest(root: string, dirName: string): Promise<void> {
  const link = path.join(root, 'latest');
  const temporary = path.join(root, `.latest-${process.pid}`);
  await fs.rm(temporary, { force: true });
  await fs.symlink(dirName, temporary);
  await fs.rename(temporary, link);
}

export interface WrittenReport {
  dir: string;
  files: string[];
  pngNote?: string;
}

export async function writeReport(root: string, report: ExperimentReport, timeline: TimelineInput, reads: readonly ReadSample[]): Promise<WrittenReport> {
  const name = runDirName(report.started_at);
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  const svgFile = path.join(dir, CHART_SVG);
  await Promise.all([
    fs.writeFile(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`),
    fs.writeFile(path.join(dir, 'report.md'), renderMarkdown(report, CHART_SVG)),
    fs.writeFile(svgFile, renderTimeline(timeline)),
    fs.writeFile(path.join(dir, 'reads.csv'), readsCsv(reads)),
  ]);
  const files = ['report.json', 'report.md', CHART_SVG, 'reads.csv'];
  const png = await renderPng(svgFile, path.join(dir, CHART_PNG));
  if (png.ok) files.push(CHART_PNG);
  await pointLatest(root, name);
  return { dir, files, ...(png.ok ? {} : { pngNote: png.reason }) };
}
