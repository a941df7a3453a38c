import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../lib/args';
import { FAULTS, parseTarget, planFault, type Options } from './faults';

/** What each command line of inject-failures turns into, before anything is sent. */

const plan = (fault: string, opts: Options) => planFault(FAULTS.find((f) => f.name === fault)!, opts);

function refused(run: () => unknown, message: RegExp): void {
  assert.throws(run, (err: Error) => {
    assert.ok(err instanceof UsageError, `a UsageError, not ${err.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('parseTarget', () => {
  test('sorts a name into replica, simulator or process', () => {
    assert.deepEqual(parseTarget({ target: 'inventory-2' }), { name: 'inventory-2', replica: '2' });
    assert.deepEqual(parseTarget({ instance: '3' }), { name: 'inventory-3', replica: '3' });
    assert.deepEqual(parseTarget({ target: 'payment-gateway' }), { name: 'payment-gateway', simulator: 'payment-gateway' });
    assert.deepEqual(parseTarget({ target: 'mail-sink' }), { name: 'mail-sink', simulator: 'mail-sink' });
    assert.deepEqual(parseTarget({ target: 'broker-2' }), { name: 'broker-2' });
    assert.deepEqual(parseTarget({ target: 'orders-svc' }), { name: 'orders-svc' });
  });

  test('refuses a missing, doubled, unknown replica or malformed target', () => {
    refused(() => parseTarget({}), /^--target: required \(inventory-1, inventory-2, inventory-3, payment-gateway, mail-sink/);
    refused(() => parseTarget({ target: 'inventory-1', instance: '1' }), /^--instance: give --target or --instance, not both/);
    refused(() => parseTarget({ target: 'inventory-4' }), /^--target: the replicas are inventory-1, inventory-2, inventory-3 \(got "inventory-4"\)/);
    refused(() => parseTarget({ instance: '4' }), /^--instance: must be one of 1, 2, 3/);
    refused(() => parseTarget({ target: 'Orders svc' }), /^--target: a process name such as/);
  });
});

describe('planFault: where each fault goes, with its contract body', () => {
  test('crash: a replica ends itself; with --down-for, or any other process, through the launcher', () => {
    assert.deepEqual(plan('crash', { instance: '1' }), { via: 'replica', instance: '1', fault: { type: 'crash' } });
    assert.deepEqual(plan('crash', { target: 'inventory-1', downFor: '2' }), { via: 'process', process: 'inventory-1', fault: { type: 'crash', down_for_ms: 2000 } });
    assert.deepEqual(plan('crash', { target: 'voter-svc', downFor: '1.5' }), { via: 'process', process: 'voter-svc', fault: { type: 'crash', down_for_ms: 1500 } });
    assert.deepEqual(plan('crash', { target: 'broker-1' }), { via: 'process', process: 'broker-1', fault: { type: 'crash', down_for_ms: 0 } });
  });

  test('pause any process, duplicate only a replica', () => {
    assert.deepEqual(plan('pause', { target: 'inventory-2', duration: '2' }), { via: 'process', process: 'inventory-2', fault: { type: 'pause', duration_ms: 2000 } });
    assert.deepEqual(plan('pause', { target: 'orders-svc', duration: '5' }), { via: 'process', process: 'orders-svc', fault: { type: 'pause', duration_ms: 5000 } });
    assert.deepEqual(plan('duplicate', { instance: '1', duration: '10' }), { via: 'process', process: 'inventory-1', fault: { type: 'duplicate', duration_ms: 10_000 } });
    refused(() => plan('duplicate', { target: 'orders-svc', duration: '10' }), /^--target: orders-svc has no duplicate fault; duplicate applies to inventory-N$/);
  });

  test('latency and intermittent: a replica or the payment gateway, each checked against its own contract', () => {
    assert.deepEqual(plan('latency', { instance: '2', latency: '1200' }), { via: 'replica', instance: '2', fault: { type: 'latency', latency_ms: 1200 } });
    assert.deepEqual(plan('latency', { target: 'payment-gateway', latency: '90000' }), {
      via: 'simulator',
      simulator: 'payment-gateway',
      fault: { type: 'latency', latency_ms: 90_000 },
    });
    refused(() => plan('latency', { instance: '2', latency: '90000' }), /^--latency: .*less than or equal to 60000 \(got 90000\)/);
    refused(() => plan('latency', { target: 'mail-sink', latency: '10' }), /^--target: mail-sink has no latency fault; latency applies to inventory-N .*payment-gateway/);
    assert.deepEqual(plan('intermittent', { target: 'payment-gateway', probability: '0.5' }), {
      via: 'simulator',
      simulator: 'payment-gateway',
      fault: { type: 'intermittent', probability: 0.5 },
    });
    refused(() => plan('intermittent', { target: 'orders-svc', probability: '0.5' }), /^--target: orders-svc has no intermittent fault/);
    refused(() => plan('intermittent', { instance: '3', probability: '2' }), /^--probability: .*less than or equal to 1/);
  });

  test("the simulators' own faults, and clear", () => {
    assert.deepEqual(plan('down', { target: 'mail-sink' }), { via: 'simulator', simulator: 'mail-sink', fault: { type: 'down' } });
    assert.deepEqual(plan('down', { target: 'payment-gateway' }), { via: 'simulator', simulator: 'payment-gateway', fault: { type: 'down' } });
    assert.deepEqual(plan('decline', { target: 'payment-gateway' }), { via: 'simulator', simulator: 'payment-gateway', fault: { type: 'decline' } });
    refused(() => plan('decline', { target: 'mail-sink' }), /^--target: mail-sink has no decline fault; decline applies to payment-gateway$/);
    refused(() => plan('down', { instance: '1' }), /^--target: inventory-1 has no down fault/);
    assert.deepEqual(plan('clear', { target: 'mail-sink' }), { via: 'simulator', simulator: 'mail-sink', fault: { type: 'clear' } });
    assert.deepEqual(plan('clear', { instance: '3' }), { via: 'replica', instance: '3', fault: { type: 'clear' } });
    refused(() => plan('clear', { target: 'voter-svc' }), /^--target: voter-svc has no clear fault/);
    refused(() => plan('incorrect', { target: 'payment-gateway', product: 'PROD-001' }), /^--target: payment-gateway has no incorrect fault/);
  });

  test('db-flapping takes no target', () => {
    assert.deepEqual(plan('db-flapping', { probability: '0.3', duration: '2' }), { via: 'db-flapping', request: { probability: 0.3, duration_ms: 2000 } });
    assert.deepEqual(plan('db-flapping', { probability: '0.5', duration: '15', tick: '200' }), {
      via: 'db-flapping',
      request: { probability: 0.5, duration_ms: 15_000, tick_ms: 200 },
    });
    refused(() => plan('db-flapping', { probability: '0.5', duration: '15', tick: '10' }), /^--tick: .*greater than or equal to 50 \(got 10\)/);
  });

  test('durations are typed in seconds and their bounds said in seconds', () => {
    refused(() => plan('pause', { target: 'orders-svc', duration: '0' }), /^--duration: must be at least 0.001 s \(got 0\)$/);
    refused(() => plan('pause', { target: 'orders-svc', duration: '601' }), /^--duration: must be at most 600 s \(got 601\)$/);
    refused(() => plan('crash', { target: 'orders-svc', downFor: '-1' }), /^--down-for: must be at least 0 s \(got -1\)$/);
    refused(() => plan('pause', { target: 'orders-svc', duration: 'soon' }), /^--duration: not a number \(got "soon"\)$/);
  });
});
