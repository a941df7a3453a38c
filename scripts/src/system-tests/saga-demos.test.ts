import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@ftlab/shared';
import { renderVerdictMarkdown } from '../checker/render';
import { acquireSystem, type TargetSystem } from '../lib/target-system';
import { testLogDir } from '../lib/testing';
import { renderExpectations } from '../scenarios/expectation';
import { renderFigures } from '../scenarios/figures';
import { lostEmail } from '../scenarios/lost-email';
import { gatewayDown, paymentDeclined, slowGateway } from '../scenarios/payment';
import { runScenario } from '../scenarios/run';

/**
 * The four saga demos (`npm run demo -- slow-gateway` ...) as the demo plays them, one after
 * another on one system of their own: each passes only when its history check passes and every
 * expectation it prints holds, except the bounds on time (a latency, a time to detect), which a
 * saturated host can miss: those are printed as diagnostics.
 */

const logger = createLogger('saga-demos-test', undefined, 'warn');

describe('the saga demos on a real system', { timeout: 900_000 }, () => {
  let target: TargetSystem;
  before(async () => {
    target = await acquireSystem({ choice: 'own', isolateAs: 'saga_demos', logger, logDir: testLogDir('saga-demos') });
  });
  after(async () => {
    await target?.stop();
  });

  for (const scenario of [slowGateway, gatewayDown, paymentDeclined, lostEmail]) {
    it(`${scenario.name}: every expectation met, history check passed`, async (t) => {
      const outcome = await runScenario(scenario, target, logger);
      const printed = [renderExpectations(scenario.name, outcome.expectations), renderFigures(outcome.figures), renderVerdictMarkdown(outcome.history, 'history check')].join('\n\n');
      t.diagnostic(printed);
      const missed = outcome.expectations.filter((e) => !e.met && !e.timing);
      assert.ok(outcome.history.ok && missed.length === 0, printed);
    });
  }
});
