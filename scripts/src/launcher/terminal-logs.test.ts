import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineFormatter, speaker } from './terminal-logs';

const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1), service: 'inventory-svc', instance: '2', msg: 'listening', port: 5002 });

test('not at a terminal, lines stay JSON, untouched', () => {
  assert.equal(lineFormatter(false)(line), `${line}\n`);
});

test('at a terminal, a JSON line is readable: level, who, message, fields', () => {
  const shown = lineFormatter(true)(line).replace(/\x1b\[[0-9;]*m/g, '');
  assert.match(shown, /INFO.*: inventory-svc 2: listening\n/);
  assert.match(shown, /port: 5002/);
  assert.doesNotMatch(shown, /^\{/);
  assert.equal(lineFormatter(true)('Kafka says hello'), 'Kafka says hello\n', 'a line that is not JSON passes as it is');
});

test('who said it: the service, with the instance when it says more', () => {
  assert.equal(speaker({ service: 'inventory-svc', instance: '3' }), 'inventory-svc 3');
  assert.equal(speaker({ service: 'voter-svc', instance: 'voter-svc' }), 'voter-svc');
  assert.equal(speaker({ instance: 'x' }), 'x');
  assert.equal(speaker({}), '');
});
