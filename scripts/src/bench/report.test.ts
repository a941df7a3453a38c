import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine } from './report';

test('the printed command can be pasted back into a shell', () => {
  assert.equal(commandLine('bench:voter', []), 'npm run bench:voter');
  assert.equal(commandLine('bench:orders', ['--rates', '300,600', '--runs', '1']), 'npm run bench:orders -- --rates 300,600 --runs 1');
  assert.equal(commandLine('bench:orders', ['--x', "it's here"]), "npm run bench:orders -- --x 'it'\\''s here'");
});
