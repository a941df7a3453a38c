import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine, provenanceLines } from './report';

test('the printed command can be pasted back into a shell', () => {
  assert.equal(commandLine('bench:voter', []), 'npm run bench:voter');
  assert.equal(commandLine('bench:orders', ['--rates', '300,600', '--runs', '1']), 'npm run bench:orders -- --rates 300,600 --runs 1');
  assert.equal(commandLine('bench:orders', ['--x', "it's here"]), "npm run bench:orders -- --x 'it'\\''s here'");
});

test('provenanceLines name the system, the machine, the report file and the command, in that order', () => {
  const lines = provenanceLines({ system: 'own system', environment: { cpus: 2 }, file: '/tmp/r.json', command: 'npm run bench:voter' });
  assert.deepEqual(lines, ['system: own system', 'machine: {"cpus":2}', 'report: /tmp/r.json', 'command: npm run bench:voter']);
});
