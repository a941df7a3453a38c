import type http from 'node:http';
import {
  closeServer,
  createApp,
  createRegistry,
  dbFlappingRequest,
  finishApp,
  listen,
  processFaultRequest,
  postgresRestartRequest,
  processName,
  requireAdminToken,
  validated,
  type DbFlappingView,
  type Logger,
} from '@ftlab/shared';
import { flapDatabase } from './faults/db-flapping';
import { restartPostgres } from './faults/postgres-restart';
import { FaultConflictError, UnknownProcessError, type ProcessFaults } from './process-faults';

/**
 * The launcher's control API: faults on the processes it runs and on the database server, for
 * `inject-failures`, the demos and the experiment. A remote kill switch, so every route but
 * /health needs the admin token, and it listens on the services' host (loopback by default).
 *
 *   GET  /processes                  every supervised process: pid, state, restarts, fault
 *   POST /processes/:name/faults     {type: crash [down_for_ms] | pause duration_ms | duplicate duration_ms}
 *   GET  /faults/db-flapping         whether the database is flapping, and what it terminated
 *   POST /faults/db-flapping         {probability, duration_ms[, tick_ms]}
 *   POST /faults/postgres-restart    {}: the database server restarts (answers once it is back)
 */
export interface ControlApi {
  url: string;
  close(): Promise<void>;
}

export async function startControlApi(opts: {
  faults: ProcessFaults;
  databaseUrl: string;
  adminToken: string | undefined;
  host: string;
  port: number;
  logger: Logger;
}): Promise<ControlApi> {
  const { faults, logger } = opts;
  const app = createApp({ registry: createRegistry('launcher', 'launcher'), health: () => ({ ok: true, service: 'launcher' }) });
  const admin = requireAdminToken(opts.adminToken);

  app.get('/processes', admin, (_req, res) => void res.json({ processes: faults.list() }));

  app.post('/processes/:name/faults', admin, async (req, res) => {
    const name = validated(res, processName, req.params.name, 'params');
    const fault = validated(res, processFaultRequest, req.body, 'body');
    if (name === undefined || fault === undefined) return;
    try {
      res.status(202).json(await faults.inject(name, fault));
    } catch (err) {
      if (err instanceof UnknownProcessError) return void res.status(404).json({ error: err.message, field: 'name' });
      if (err instanceof FaultConflictError) return void res.status(409).json({ error: err.message, field: 'name' });
      throw err;
    }
  });

  const flapping: DbFlappingView & { stop?: AbortController } = { active: false, ends_at: null, terminated: {} };
  const flappingView = (): DbFlappingView => ({ active: flapping.active, ends_at: flapping.ends_at, terminated: flapping.terminated });
  app.get('/faults/db-flapping', admin, (_req, res) => void res.json(flappingView()));
  app.post('/faults/db-flapping', admin, (req, res) => {
    const body = validated(res, dbFlappingRequest, req.body, 'body');
    if (body === undefined) return;
    if (flapping.active) return void res.status(409).json({ error: `the database is already flapping until ${flapping.ends_at}`, field: 'body' });
    const stop = new AbortController();
    Object.assign(flapping, { active: true, ends_at: new Date(Date.now() + body.duration_ms).toISOString(), terminated: {}, stop });
    logger.warn({ fault: body }, 'database flapping started');
    void flapDatabase({ databaseUrl: opts.databaseUrl, probability: body.probability, durationMs: body.duration_ms, tickMs: body.tick_ms, logger, signal: stop.signal })
      .then((report) => {
        flapping.terminated = report.terminated;
        logger.info({ terminated: report.terminated }, 'database flapping ended');
      })
      .catch((err: Error) => logger.error({ err: err.message }, 'database flapping failed'))
      .finally(() => Object.assign(flapping, { active: false, ends_at: null, stop: undefined }));
    res.status(202).json(flappingView());
  });

  app.post('/faults/postgres-restart', admin, async (req, res) => {
    if (validated(res, postgresRestartRequest, req.body ?? {}, 'body') === undefined) return;
    logger.warn('restarting the PostgreSQL server');
    try {
      const cluster = await restartPostgres(opts.databaseUrl);
      res.status(202).json({ cluster: `${cluster.version}/${cluster.name}`, restarted_at: new Date().toISOString() });
    } catch (err) {
      res.status(409).json({ error: (err as Error).message, field: 'body' });
    }
  });

  finishApp(app, logger);
  const server: http.Server = await listen(app, opts.port, opts.host);
  return {
    url: `http://${opts.host}:${opts.port}`,
    close: async () => {
      flapping.stop?.abort();
      await faults.close();
      await closeServer(server);
    },
  };
}
