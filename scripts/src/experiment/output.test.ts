import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pointLatest, readsCsv, runDirName } from './output';

test('runDirName drops milliseconds and colons', () => {
  assert.equal(runDirName('2025-01-31T12:03:04.567Z'), '2025-01-31T12-03-04Z');
});

test('readsCsv writes one line per read, blanks for unknowns', () => {
  assert.equal(
    readsCsv([
      { at: 1000, latencyMs: 2.5, status: 200, quorum: true, wrong: false },
      { at: 1020.25, latencyMs: null, status: 0, quorum: false, wrong: null },
    ]),
    'due_ms,latency_ms,status,quorum,wrong\n1000.0,2.500,200,1,0\n1020.3,,0,0,\n',
  );
});

test('pointLatest creates and then moves the latest link', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-latest-'));
  try {
    fs.mkdirSync(path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'b'));
    await pointLatest(root, 'a');
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), 'a');
    await pointLatest(root, 'b');
    assert.equal(fs.readlinkSync(path.join(root, 'latest')), 'b');
    assert.deepEqual(fs.readdirSync(root).sort(), ['a', 'b', 'latest']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
