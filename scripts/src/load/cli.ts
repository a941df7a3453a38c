import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { SEED_PRODUCTS, commonEnv, parseEnv, productId } from '@ftlab/shared';
import { UsageError, collectList, numeric, parseOptions } from '../lib/args';
import { endpointsFromEnv } from '../lib/targets';
import { clientEndpoints, via } from '../lib/via';
import { formatProgress, formatReport } from './format';
import { runLoad } from './run-load';
import { LOAD_MODES, readTarget } from './workload';

/**
 * `npm run load-test -- <query_inventory|create_order|mixed> --rps R --duration S ...`
 * Human summary on stdout, live progress on stderr (a terminal, or --progress), the full report
 * (with every request's sample) in --json FILE. Ctrl-C stops early and still reports.
 */

const cliArgs = z.object({
  mode: z.enum(LOAD_MODES, { errorMap: () => ({ message: `must be one of ${LOAD_MODES.join(', ')}` }) }),
  rps: numeric.pipe(z.number().positive().max(100_000)),
  duration: numeric.pipe(z.number().positive().max(86_400)),
  product: z.array(productId).min(1),
  json: z.string().min(1).optional(),
  target: readTarget,
  orderShare: numeric.pipe(z.number().min(0).max(1)).optional(),
  maxInFlight: numeric.pipe(z.number().int().min(1).max(100_000)).optional(),
  timeout: numeric.pipe(z.number().int().min(1).max(600_000)).optional(),
  progress: z.boolean().optional(),
  check: z.boolean(),
  via,
}).refine((a) => a.via === 'direct' || a.target === 'voter', { path: ['via'], message: 'gateway sends reads to the gateway, which asks the voter: leave --target at voter' });

const FLAGS: Record<string, string> = {
  mode: '<mode>',
  rps: '--rps',
  duration: '--duration',
  product: '--product',
  json: '--json',
  target: '--target',
  orderShare: '--order-share',
  maxInFlight: '--max-in-flight',
  timeout: '--timeout',
  via: '--via',
};

async function main(argv: string[]): Promise<number> {
  const program = new Command('load-test')
    .description('Open-loop load against the voter (reads) and orders-svc (orders), or both through gateway-svc (--via gateway).')
    .argument('<mode>', LOAD_MODES.join(' | '))
    .requiredOption('--rps <n>', 'requests per second, on a fixed schedule')
    .requiredOption('--duration <s>', 'seconds to run')
    .option('--product <id>', 'product(s) to use, repeatable or comma-separated (default: the seed products)', collectList)
    .option('--json <file>', 'write the full report, every request included, to this file')
    .option('--target <t>', 'where reads go: voter, or a replica 1/2/3 directly', 'voter')
    .option('--order-share <f>', 'share of orders in mixed, 0-1 (default 1/6)')
    .option('--max-in-flight <n>', 'drop (and count) requests beyond this many unanswered (default 2000)')
    .option('--timeout <ms>', 'client timeout per request (default 10000)')
    .option('--progress', 'print progress lines on stderr even when it is not a terminal')
    .option('--no-check', 'skip the wrong-answer check (it reads replica_stock from DATABASE_URL)')
    .option('--via <path>', `direct (orders to orders-svc, reads to the voter) or gateway (both to gateway-svc, GATEWAY_URL / GATEWAY_PORT)`, 'direct')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    throw err;
  }
  const raw = program.opts();
  const args = parseOptions(cliArgs, { ...raw, mode: program.args[0], product: raw.product ?? SEED_PRODUCTS.map((p) => p.product_id) }, FLAGS);
  const env = parseEnv({ DATABASE_URL: commonEnv.DATABASE_URL });
  const endpoints = clientEndpoints(endpointsFromEnv(), args.via);

  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping: waiting for requests in flight (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  const tty = process.stderr.isTTY === true;
  const showProgress = tty || args.progress === true;

  const report = await runLoad({
    mode: args.mode,
    rps: args.rps,
    durationS: args.duration,
    products: args.product,
    endpoints,
    readTarget: args.target,
    databaseUrl: args.check ? env.DATABASE_URL : undefined,
    orderShare: args.orderShare,
    maxInFlight: args.maxInFlight,
    timeoutMs: args.timeout,
    signal: controller.signal,
    onProgress: showProgress ? (p) => process.stderr.write(tty ? `\r\x1b[2K${formatProgress(p)}` : `${formatProgress(p)}\n`) : undefined,
  });
  if (showProgress && tty) process.stderr.write('\n');
  process.stdout.write(`${formatReport(report)}\n`);
  if (args.json) {
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, `${JSON.stringify(report)}\n`);
    process.stdout.write(`  full report: ${path.resolve(args.json)}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`load-test: ${err.message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
