import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine, median } from './report';

test('median of what is there; null when nothing is', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, null, undefined, Number.NaN]), 5);
  assert.equal(median([]), null);
});

test('the printed command can be pasted back into a shell', () => {
  assert.equal(commandLine('bench:voter', []), 'npm run bench:voter');
  assert.equal(commandLine('bench:orders', ['--rates', '300,600', '--runs', '1']), 'npm run bench:orders -- --rates 300,600 --runs 1');
  assert.equal(commandLine('bench:orders', ['--x', "it's here"]), "npm run bench:orders -- --x 'it'\\''s here'");
});
