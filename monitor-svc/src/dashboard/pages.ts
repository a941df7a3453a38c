import fs from 'node:fs/promises';
import path from 'node:path';
import type { Express, Response } from '@ftlab/shared';
import { escapeHtml, markdownToHtml } from './markdown';
import { REPORT_FILES, readReportFile } from './report-files';

/** The page's files: plain HTML, CSS and JS, no build step. <monitor-svc>/static, from dist/dashboard. */
export const STATIC_DIR = path.resolve(__dirname, '../../static');

/** URL → file in STATIC_DIR. A fixed list: no request path is ever joined onto a directory. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'dashboard.html', type: 'text/html; charset=utf-8' },
  '/dashboard/assets/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/assets/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/**
 * Same-origin everything and no inline script: whatever a replica, the database or a report puts
 * into the page cannot run as code there. The page only talks to this monitor.
 */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The report page has its own inline styles and nothing else. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** An SVG opened directly is a document: with this it cannot run scripts or load anything. */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";

function sendWith(res: Response, status: number, type: string, csp: string, body: string | Buffer): void {
  res
    .status(status)
    .set({ 'Content-Type': type, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' })
    .send(body);
}

const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d232a}
table{border-collapse:collapse;margin:.75rem 0;font-size:13px}th,td{border:1px solid #ccd3da;padding:.25rem .5rem;text-align:left}
th{background:#eef1f4}img{max-width:100%;border:1px solid #ccd3da}code{background:#eef1f4;padding:0 .2rem}a{color:#0b5cad}`;

function reportPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${REPORT_STYLE}</style></head>
<body><p><a href="/dashboard">← live dashboard</a></p>
${body}</body></html>`;
}

/** GET /dashboard (+ its assets) and the latest experiment report, rendered. */
export function pageRoutes(app: Express, reportsDir: string): void {
  for (const [url, asset] of Object.entries(ASSETS)) {
    app.get(url, async (_req, res) => {
      sendWith(res, 200, asset.type, PAGE_CSP, await fs.readFile(path.join(STATIC_DIR, asset.file)));
    });
  }

  app.get('/dashboard/report', async (_req, res) => {
    const markdown = await readReportFile(reportsDir, 'markdown');
    if (!markdown) {
      const body = `<h1>No report yet</h1><p>Run an experiment; its report appears here once <code>${escapeHtml(path.join(reportsDir, 'latest', REPORT_FILES.markdown))}</code> exists.</p>`;
      return sendWith(res, 404, 'text/html; charset=utf-8', REPORT_CSP, reportPage('No report yet', body));
    }
    // The report refers to its chart by file name; that one file is served next to this page.
    const html = markdownToHtml(markdown.toString('utf8'), {
      imageSrc: (ref) => (ref === REPORT_FILES.timeline ? `/dashboard/report/${REPORT_FILES.timeline}` : undefined),
    });
    sendWith(res, 200, 'text/html; charset=utf-8', REPORT_CSP, reportPage('Latest experiment report', html));
  });

  app.get(`/dashboard/report/${REPORT_FILES.timeline}`, async (_req, res) => {
    const svg = await readReportFile(reportsDir, 'timeline');
    if (!svg) return void res.status(404).json({ error: 'no timeline yet' });
    sendWith(res, 200, 'image/svg+xml', SVG_CSP, svg);
  });
}
