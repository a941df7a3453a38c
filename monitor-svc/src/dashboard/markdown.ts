import MarkdownIt from 'markdown-it';

/**
 * The experiment's report.md as HTML, through markdown-it (CommonMark plus GFM tables). Raw HTML
 * in the markdown is off, so whatever a report contains is shown as text, never interpreted;
 * markdown-it's own link check already refuses javascript:, vbscript:, file: and data: targets.
 * Images are resolved through `imageSrc`, which decides which sources exist at all: anything
 * else is shown as its alt text.
 */

export interface MarkdownOptions {
  /** Maps an image reference to a URL to serve, or undefined to drop the image. */
  imageSrc?: (ref: string) => string | undefined;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** No raw HTML and no bare-URL autolinking: a report's text stays text. */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

md.renderer.rules.image = (tokens, idx, _options, env: MarkdownOptions) => {
  const token = tokens[idx]!;
  const alt = escapeHtml(token.children ? md.renderer.renderInlineAsText(token.children, md.options, env) : token.content);
  const src = env.imageSrc?.(token.attrGet('src') ?? '');
  return src ? `<img src="${escapeHtml(src)}" alt="${alt}">` : alt;
};

export function markdownToHtml(markdown: string, opts: MarkdownOptions = {}): string {
  // The env object reaches the image rule above: options are per call, the parser is shared.
  return md.render(markdown, { ...opts });
}
