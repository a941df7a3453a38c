import type { Scenario } from './scenario';
import { dbFlapping, postgresRestart } from './db-flapping';
import { frozenOrders, frozenReplica } from './frozen';
import { brokerCrashes, duplicateReplica } from './infrastructure';
import { lastSeat } from './last-seat';
import { lostEmail } from './lost-email';
import { paymentScenarios } from './payment';
import { phantomInventory, voterDown } from './phantom-inventory';
import { requestFlood } from './request-flood';
import { replicaFaults } from './replica-faults';

/** Every demo, by name. */
export const SCENARIOS: readonly Scenario[] = [...replicaFaults, lastSeat, dbFlapping, postgresRestart, frozenReplica, frozenOrders, duplicateReplica, ...brokerCrashes, phantomInventory, voterDown, requestFlood, ...paymentScenarios, lostEmail];
