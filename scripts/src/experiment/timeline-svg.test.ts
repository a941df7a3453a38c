import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latencyBuckets } from './read-metrics';
import { T0, steadyReads } from './test-fixtures';
import { escapeXml, latencyDecades, layoutLegend, renderTimeline, tickStepSeconds, type TimelineInput } from './timeline-svg';

function input(): TimelineInput {
  const samples = steadyReads(40, (at) => (at >= T0 + 20_000 && at < T0 + 22_000 ? 1300 : 2));
  samples[5] = { ...samples[5]!, status: 503 };
  return {
    title: 'run <1> & co',
    start: T0,
    end: T0 + 40_000,
    bucketMs: 250,
    buckets: latencyBuckets(samples, T0, 250),
    faults: [{ type: 'latency', label: 'latency #1', window: { start: T0 + 20_000, end: T0 + 23_000 } }],
    replicas: [
      { instance_id: '1', off: [] },
      { instance_id: '2', off: [{ start: T0 + 20_400, end: T0 + 23_000 }] },
      { instance_id: '3', off: [] },
    ],
  };
}

describe('renderTimeline', () => {
  test('is well-formed SVG with escaped text', () => {
    const svg = renderTimeline(input());
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.match(svg, /run &lt;1&gt; &amp; co/);
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
    // Every opened element is closed or self-closing.
    const opened = (svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length;
    const closed = (svg.match(/<\/[a-z]+>/g) ?? []).length;
    assert.equal(opened, closed);
  });

  test('draws the fault window, its label, the OFF period and a failed-reads bar', () => {
    const svg = renderTimeline(input());
    assert.match(svg, /latency #1<\/text>/);
    assert.match(svg, /latency window<\/text>/);
    assert.equal((svg.match(/fill="#c53030"/g) ?? []).length, 2, 'one OFF rect plus the legend swatch');
    assert.match(svg, /replica 2<\/text>/);
    assert.equal((svg.match(/fill="#e53e3e" opacity="0.7"/g) ?? []).length, 2, 'one failed-reads bar plus the legend swatch');
  });

  test('the y axis reaches the slow bucket: 1.3 s needs the 10 s decade', () => {
    const svg = renderTimeline(input());
    assert.match(svg, />10 s<\/text>/);
    assert.match(svg, />1 ms<\/text>/);
  });
});

test('latencyDecades always spans at least 1 ms … 1 s', () => {
  assert.deepEqual(latencyDecades([]), { lo: 1, hi: 1000 });
  assert.deepEqual(latencyDecades([{ offsetMs: 0, count: 1, p50_ms: 0.3, p99_ms: 1500, failures: 0 }]), { lo: 0.1, hi: 10_000 });
});

test('tickStepSeconds keeps ticks apart', () => {
  assert.equal(tickStepSeconds(60, 900), 10);
  assert.equal(tickStepSeconds(600, 3600), 15);
});

test('escapeXml', () => {
  assert.equal(escapeXml('a<b>&"c"'), 'a&lt;b&gt;&amp;&quot;c&quot;');
});

test('layoutLegend wraps to a new row instead of running past the chart', () => {
  const item = { swatch: '<rect/>', label: 'x'.repeat(20) }; // 24 + 130 + 10 = 164 px
  assert.deepEqual(layoutLegend([item, item, item], 400), [
    { x: 0, row: 0 },
    { x: 164, row: 0 },
    { x: 0, row: 1 },
  ]);
  // A single item wider than the chart still gets a row of its own, not an endless loop.
  assert.deepEqual(layoutLegend([item], 50), [{ x: 0, row: 0 }]);
});
