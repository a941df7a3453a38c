import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderVerdictMarkdown } from './render';
import { uncheckedVerdict } from './run-check';

test('a history that could not be read is a failed check, with the reason in the report', () => {
  const verdict = uncheckedVerdict(new Error('broker unreachable'));
  assert.equal(verdict.ok, false);
  assert.deepEqual(verdict.failed, ['history_read']);
  assert.match(renderVerdictMarkdown(verdict), /\*\*FAIL\*\*[\s\S]*- could not check the history: broker unreachable/);
});
