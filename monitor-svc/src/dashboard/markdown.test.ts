import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToHtml } from './markdown';

const onlyTimeline = { imageSrc: (ref: string) => (ref === 'timeline.svg' ? '/dashboard/report/timeline.svg' : undefined) };

/** markdown-it puts a newline between block tags; the checks below are about tags, not layout. */
const compact = (html: string) => html.replace(/>\n</g, '><').trim();

test('headings, paragraphs, emphasis and code', () => {
  const html = compact(markdownToHtml('# Title\n\nFirst line\ncontinues **bold** and *em* and `a*b*c`.\n\n## Sub ##\n', onlyTimeline));
  assert.equal(html, '<h1>Title</h1><p>First line\ncontinues <strong>bold</strong> and <em>em</em> and <code>a*b*c</code>.</p><h2>Sub</h2>');
});

test('a pipe table, with an escaped pipe inside a cell and a short row', () => {
  const html = compact(markdownToHtml('| fault | TTD |\n| --- | --- |\n| crash a\\|b | **120 ms** |\n| latency |\n\nafter', onlyTimeline));
  assert.equal(
    html,
    '<table><thead><tr><th>fault</th><th>TTD</th></tr></thead>' +
      '<tbody><tr><td>crash a|b</td><td><strong>120 ms</strong></td></tr><tr><td>latency</td><td></td></tr></tbody></table><p>after</p>',
  );
});

test('lists and fenced code', () => {
  assert.equal(compact(markdownToHtml('- one\n- two *x*\n')), '<ul><li>one</li><li>two <em>x</em></li></ul>');
  assert.equal(compact(markdownToHtml('```\n<b>|x|</b>\n```')), '<pre><code>&lt;b&gt;|x|&lt;/b&gt;\n</code></pre>');
});

test('HTML in the text is shown, never interpreted', () => {
  const report = '# <script>alert(1)</script>\n\n| <img src=x onerror=alert(1)> |\n| --- |\n| "quoted" & \'single\' |\n\n<div onclick="x()">block</div>\n\ninline <b>bold</b>';
  const html = markdownToHtml(report, onlyTimeline);
  assert.doesNotMatch(html, /<script|<img|<div|<b>/);
  assert.match(html, /<h1>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h1>/);
  assert.match(html, /<th>&lt;img src=x onerror=alert\(1\)&gt;<\/th>/);
  assert.match(html, /&quot;quoted&quot; &amp; 'single'/);
  assert.match(html, /&lt;div onclick=&quot;x\(\)&quot;&gt;block&lt;\/div&gt;/);
});

test('only the images the caller allows are images; the rest is their alt text', () => {
  assert.equal(compact(markdownToHtml('![timeline](timeline.svg)', onlyTimeline)), '<p><img src="/dashboard/report/timeline.svg" alt="timeline"></p>');
  assert.equal(compact(markdownToHtml('![secret](../../etc/passwd)', onlyTimeline)), '<p>secret</p>');
  assert.equal(
    compact(markdownToHtml('![x"onload="alert(1)](timeline.svg)', onlyTimeline)),
    '<p><img src="/dashboard/report/timeline.svg" alt="x&quot;onload=&quot;alert(1)"></p>',
  );
  assert.equal(compact(markdownToHtml('![<b>chart</b>](elsewhere.svg)', onlyTimeline)), '<p>&lt;b&gt;chart&lt;/b&gt;</p>');
  assert.equal(compact(markdownToHtml('![chart](timeline.svg)')), '<p>chart</p>', 'no images without imageSrc');
});

test('links keep http(s) and relative targets; script and data URLs are not links', () => {
  assert.equal(compact(markdownToHtml('[docs](https://example.org/a?b=1&c=2)')), '<p><a href="https://example.org/a?b=1&amp;c=2">docs</a></p>');
  assert.equal(compact(markdownToHtml('[up](../report.json)')), '<p><a href="../report.json">up</a></p>');
  assert.doesNotMatch(markdownToHtml('[x](javascript:alert(1))'), /<a /);
  assert.doesNotMatch(markdownToHtml('[x](data:text/html,hi)'), /<a /);
  assert.doesNotMatch(markdownToHtml('see https://example.org'), /<a /, 'bare URLs stay text');
});
