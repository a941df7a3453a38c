import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { createLogger } from '@ftlab/shared';
import { renderVerdictMarkdown } from '../checker/render';
import { UsageError, parseOptions } from '../lib/args';
import { REPO_ROOT } from '../lib/paths';
import { acquireSystem } from '../lib/target-system';
import { renderExpectations } from '../scenarios/expectation';
import { renderFigures } from '../scenarios/figures';
import { runScenario } from '../scenarios/run';
import { SCENARIOS } from '../scenarios';

/**
 * `npm run demo -- <scenario> [--system auto|own|running]`: plays one failure of the founding
 * documents on the running system (or one started here), prints what the seed expects beside what
 * it observed, and the history check. Exit 0 only when every expectation holds and the check
 * passes; 1 when they do not (or the run failed); 2 for bad arguments.
 */

const USAGE = [
  'usage: npm run demo -- <scenario> [--system auto|own|running]',
  '  --system auto     the system running at the configured endpoints, else start one here (default)',
  '  --system own      always start a system of its own (free ports, fresh database, own Kafka)',
  '  --system running  only the running system (npm start)',
  '',
  'scenarios:',
  ...SCENARIOS.map((s) => `  ${s.name.padEnd(20)} ${s.summary}`),
].join('\n');

const args = z.object({
  scenario: z.enum(SCENARIOS.map((s) => s.name) as [string, ...string[]], { errorMap: () => ({ message: `one of: ${SCENARIOS.map((s) => s.name).join(', ')}` }) }),
  system: z.enum(['auto', 'own', 'running']).default('auto'),
});

function parseArgs(argv: string[]): z.output<typeof args> | undefined {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv.includes('--list')) return undefined;
  const raw: Record<string, string> = {};
  const rest = [...argv];
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (word === '--system') raw.system = rest.shift() ?? '';
    else if (word.startsWith('--')) throw new UsageError(`${word}: unknown option`);
    else if (raw.scenario === undefined) raw.scenario = word;
    else throw new UsageError(`${word}: one scenario at a time`);
  }
  return parseOptions(args, raw, { scenario: '<scenario>', system: '--system' });
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (!opts) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const scenario = SCENARIOS.find((s) => s.name === opts.scenario)!;
  const logger = createLogger('demo', scenario.name, process.env.LOG_LEVEL ?? 'warn');
  const logDir = path.join(REPO_ROOT, 'reports', 'demo', 'logs', scenario.name);
  const target = await acquireSystem({ choice: opts.system, isolateAs: opts.system === 'own' ? `demo_${scenario.name.replace(/-/g, '_')}` : undefined, logger, logDir });
  try {
    process.stdout.write(`\n${scenario.name} (${scenario.source})\n${scenario.summary}\nsystem: ${target.description}\n\n`);
    const outcome = await runScenario(scenario, target, logger);
    const figures = outcome.figures.length > 0 ? `${renderFigures(outcome.figures)}\n\n` : '';
    process.stdout.write(`${renderExpectations(scenario.name, outcome.expectations)}\n\n${figures}${renderVerdictMarkdown(outcome.history, 'history check')}\n\n`);
    const file = path.join(REPO_ROOT, 'reports', 'demo', `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ scenario: scenario.name, source: scenario.source, system: target.description, ...outcome }, null, 2)}\n`);
    process.stdout.write(`${outcome.ok ? 'DEMO PASSED' : 'DEMO FAILED'}: ${scenario.name} (report: ${path.relative(REPO_ROOT, file)})\n`);
    return outcome.ok ? 0 : 1;
  } finally {
    await target.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`demo: ${err.message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
