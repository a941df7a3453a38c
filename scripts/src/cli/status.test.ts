import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProcessView } from '@ftlab/shared';
import { selectProcesses, statusProblems, type StatusReport } from './status';

const running = (name: string): ProcessView => ({ name, pid: 1, state: 'running', restarts: 0, fault: null });
const listed = ['orders-svc', 'inventory-1', 'voter-svc'].map(running);

describe('status: which processes to show', () => {
  test('all without a target, the target alone with one', () => {
    assert.deepEqual(selectProcesses(listed, undefined), { processes: listed });
    assert.deepEqual(selectProcesses(listed, { name: 'voter-svc' }), { processes: [running('voter-svc')] });
  });

  test('a process the launcher does not run is a problem; a replica or simulator it does not run is not', () => {
    assert.deepEqual(selectProcesses(listed, { name: 'payment-svc' }), {
      processes: [],
      error: 'the launcher supervises no process named payment-svc (it runs orders-svc, inventory-1, voter-svc)',
    });
    assert.deepEqual(selectProcesses(listed, { name: 'mail-sink', simulator: 'mail-sink' }), { processes: [] });
    assert.deepEqual(selectProcesses([], { name: 'inventory-2', replica: '2' }), { processes: [] });
  });
});

describe('status: what fails the command', () => {
  test('every part that could not be read, once each', () => {
    const monitorDown = 'cannot reach monitor';
    const report: StatusReport = {
      replicas: ['1', '2'].map((id) => ({ instance_id: id, replica: { instance_id: id as '1', fault: null }, monitor: null, monitor_error: monitorDown })),
      processes: null,
      processes_error: 'launcher control API answered GET /processes with 401',
      simulators: [
        { name: 'payment-gateway', state: { fault: null } },
        { name: 'mail-sink', state: null, error: 'cannot reach mail-sink' },
      ],
      db_flapping: { active: false, ends_at: null, terminated: {} },
    };
    assert.deepEqual(statusProblems(report), [monitorDown, 'launcher control API answered GET /processes with 401', 'cannot reach mail-sink']);
    assert.deepEqual(statusProblems({ replicas: [], processes: listed, simulators: [] }), []);
    // In the whole system's status, a simulator that is not running is shown but fails nothing.
    assert.deepEqual(statusProblems({ replicas: [], processes: listed, simulators: [{ name: 'mail-sink', state: null, error: 'cannot reach mail-sink', optional: true }] }), []);
  });
});
