/**
 * A deliberately small markdown-to-HTML renderer for the experiment's report.md: headings,
 * paragraphs, pipe tables, bullet lists, fenced code, and inline **bold**, *emphasis*, `code`,
 * links and images. Everything is HTML-escaped first; only the renderer's own tags are HTML.
 * Links keep http(s) and relative targets only, and images are resolved through `imageSrc`, which
 * decides which sources exist at all (anything else is shown as its alt text).
 */

export interface MarkdownOptions {
  /** Maps an image reference to a URL to serve, or undefined to drop the image. */
  imageSrc?: (ref: string) => string | undefined;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** http(s), absolute and relative targets; a scheme such as javascript: or data: matches none of them. */
const SAFE_HREF = /^(https?:\/\/|\/|\.{0,2}\/|#|[\w.-]+(?:[/?#]|$))/i;

function inline(text: string, opts: MarkdownOptions): string {
  // Code spans first and set aside, so nothing inside them is formatted.
  const codes: string[] = [];
  let s = text.replace(/\u0000/g, '').replace(/`([^`]+)`/g, (_m, code: string) => `\u0000${codes.push(`<code>${escapeHtml(code)}</code>`) - 1}\u0000`);
  s = escapeHtml(s);
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, alt: string, ref: string) => {
    const src = opts.imageSrc?.(ref.replace(/&amp;/g, '&'));
    return src ? `<img src="${escapeHtml(src)}" alt="${alt}">` : alt;
  });
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) =>
    SAFE_HREF.test(href) ? `<a href="${href}">${label}</a>` : label,
  );
  s = s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>').replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?![*\w])/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)]!);
}

/** Cells of a `| a | b |` row; `\|` is a literal pipe inside a cell. */
function tableCells(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return body.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const isTableRow = (line: string) => /^\s*\|.*\|\s*$/.test(line);
const isDelimiterRow = (line: string) => /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(line);

export function markdownToHtml(markdown: string, opts: MarkdownOptions = {}): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) out.push(`<p>${inline(paragraph.join(' '), opts)}</p>`);
    paragraph = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (line.trim() === '') {
      flush();
    } else if (heading) {
      flush();
      const level = heading[1]!.length;
      out.push(`<h${level}>${inline(heading[2]!, opts)}</h${level}>`);
    } else if (/^```/.test(line)) {
      flush();
      const code: string[] = [];
      while (++i < lines.length && !/^```/.test(lines[i]!)) code.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
    } else if (isTableRow(line) && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!)) {
      flush();
      const header = tableCells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && isTableRow(lines[i]!)) rows.push(tableCells(lines[i++]!));
      i--;
      const cell = (tag: string, text: string) => `<${tag}>${inline(text, opts)}</${tag}>`;
      out.push(
        '<table>',
        `<thead><tr>${header.map((h) => cell('th', h)).join('')}</tr></thead>`,
        `<tbody>${rows.map((r) => `<tr>${header.map((_h, c) => cell('td', r[c] ?? '')).join('')}</tr>`).join('')}</tbody>`,
        '</table>',
      );
    } else if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i]!); i++) items.push(`<li>${inline(lines[i]!.replace(/^\s*[-*]\s+/, ''), opts)}</li>`);
      i--;
      out.push(`<ul>${items.join('')}</ul>`);
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return out.join('\n');
}
