import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The only two files the dashboard ever reads from the reports directory. Their paths are fixed
 * here and never built from request input, so no request can name any other file.
 */
export const REPORT_FILES = {
  markdown: 'report.md',
  timeline: 'timeline.svg',
} as const;
export type ReportFile = keyof typeof REPORT_FILES;

/** The experiment tool keeps its newest report in <reports>/latest (a directory or a symlink to one). */
export function reportPath(reportsDir: string, file: ReportFile): string {
  return path.join(reportsDir, 'latest', REPORT_FILES[file]);
}

/** The file's content, or undefined when there is no such report (yet). */
export async function readReportFile(reportsDir: string, file: ReportFile): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(reportPath(reportsDir, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

export type ReportStatus = { available: false } | { available: true; updated_at: string };

/** Whether a report exists, for the page's link (checked per snapshot: a stat is cheap). */
export async function reportStatus(reportsDir: string): Promise<ReportStatus> {
  try {
    const stat = await fs.stat(reportPath(reportsDir, 'markdown'));
    return stat.isFile() ? { available: true, updated_at: stat.mtime.toISOString() } : { available: false };
  } catch {
    return { available: false };
  }
}
