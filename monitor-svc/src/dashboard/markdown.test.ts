import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToHtml } from './markdown';

const onlyTimeline = { imageSrc: (ref: string) => (ref === 'timeline.svg' ? '/dashboard/report/timeline.svg' : undefined) };

test('headings, paragraphs, emphasis and code', () => {
  const html = markdownToHtml('# Title\n\nFirst line\ncontinues **bold** and *em* and `a*b*c`.\n\n## Sub ##\n', onlyTimeline);
  assert.equal(html, '<h1>Title</h1>\n<p>First line continues <strong>bold</strong> and <em>em</em> and <code>a*b*c</code>.</p>\n<h2>Sub</h2>');
});

test('a pipe table, with an escaped pipe inside a cell and a short row', () => {
  const html = markdownToHtml('| fault | TTD |\n| --- | ---: |\n| crash a\\|b | **120 ms** |\n| latency |\n\nafter', onlyTimeline);
  assert.equal(
    html,
    '<table>\n<thead><tr><th>fault</th><th>TTD</th></tr></thead>\n' +
      '<tbody><tr><td>crash a|b</td><td><strong>120 ms</strong></td></tr><tr><td>latency</td><td></td></tr></tbody>\n</table>\n<p>after</p>',
  );
});

test('lists and fenced code', () => {
  assert.equal(markdownToHtml('- one\n- two *x*\n'), '<ul><li>one</li><li>two <em>x</em></li></ul>');
  assert.equal(markdownToHtml('```\n<b>|x|</b>\n```'), '<pre><code>&lt;b&gt;|x|&lt;/b&gt;</code></pre>');
});

test('HTML in the text is shown, never interpreted', () => {
  const html = markdownToHtml('# <script>alert(1)</script>\n\n| <img src=x onerror=alert(1)> |\n| --- |\n| "quoted" & \'single\' |', onlyTimeline);
  assert.doesNotMatch(html, /<script|<img/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&quot;quoted&quot; &amp; &#39;single&#39;/);
});

test('only the images the caller allows are images; the rest is their alt text', () => {
  assert.equal(markdownToHtml('![timeline](timeline.svg)', onlyTimeline), '<p><img src="/dashboard/report/timeline.svg" alt="timeline"></p>');
  assert.equal(markdownToHtml('![secret](../../etc/passwd)', onlyTimeline), '<p>secret</p>');
  assert.equal(markdownToHtml('![x"onload="alert(1)](timeline.svg)', onlyTimeline), '<p><img src="/dashboard/report/timeline.svg" alt="x&quot;onload=&quot;alert(1)"></p>');
  assert.equal(markdownToHtml('![chart](timeline.svg)'), '<p>chart</p>', 'no images without imageSrc');
});

test('links keep http(s) and relative targets; script and data URLs become plain text', () => {
  assert.equal(markdownToHtml('[docs](https://example.org/a?b=1&c=2)'), '<p><a href="https://example.org/a?b=1&amp;c=2">docs</a></p>');
  assert.equal(markdownToHtml('[up](../report.json)'), '<p><a href="../report.json">up</a></p>');
  assert.equal(markdownToHtml('[x](javascript:alert(1))'), '<p>x)</p>');
  assert.equal(markdownToHtml('[x](data:text/html,hi)'), '<p>x</p>');
});

test('control characters used internally cannot smuggle markup', () => {
  assert.equal(markdownToHtml('a\u00000\u0000 `<b>`'), '<p>a0 <code>&lt;b&gt;</code></p>');
});
