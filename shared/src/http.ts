import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { isTransientDbError } from './db-errors';
import { histogram, type Registry } from './metrics';
import type { Logger } from './logger';

export type { Express, Request, Response, NextFunction, RequestHandler };

/** Seconds a client is told to wait before retrying a request the database could not serve. */
const DB_RETRY_AFTER_S = 1;

/** Larger bodies are refused with 413 before they are parsed. */
export const BODY_LIMIT = '64kb';

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

/**
 * An express app with the parts every service shares: JSON bodies with a size limit, a request
 * duration histogram, `/health` (503 when not ok) and `/metrics`. Add routes, then call `finishApp`.
 */
export function createApp(opts: {
  registry: Registry;
  health: () => Promise<HealthReport> | HealthReport;
  /** Middleware that must see /health too (fault injection). */
  before?: RequestHandler[];
}): Express {
  const app = express();
  app.disable('x-powered-by');
  // JSON answers to API calls are not cached by clients: hashing every body for an ETag is wasted CPU.
  app.disable('etag');
  const duration = histogram(opts.registry, 'http_request_duration_seconds', 'HTTP request duration by method, route and status code', [
    'method',
    'route',
    'status_code',
  ]);
  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, not the raw path, keeps label cardinality bounded.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  });
  app.use(express.json({ limit: BODY_LIMIT }));
  for (const handler of opts.before ?? []) app.use(handler);
  app.get('/health', async (_req, res) => {
    const report = await opts.health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
  return app;
}

/** 404 for unknown routes and JSON errors for everything thrown, including body-parser's. */
export function finishApp(app: Express, logger: Logger): void {
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use((err: { type?: string; status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') {
      res.status(413).json({ error: `body larger than ${BODY_LIMIT}`, field: 'body' });
    } else if (err.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'body is not valid JSON', field: 'body' });
    } else if (err.status && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ error: err.message ?? 'bad request', field: 'body' });
    } else if (isTransientDbError(err)) {
      // The database is restarting or dropped our connection: nothing was half-written, and the
      // same request (with its Idempotency-Key) will succeed once it is back.
      logger.warn({ err: err.message }, 'database unavailable; answered 503');
      res.status(503).set('Retry-After', String(DB_RETRY_AFTER_S)).json({ error: 'database unavailable, retry shortly', retryable: true });
    } else {
      logger.error({ err }, 'unhandled request error');
      res.status(500).json({ error: 'internal error' });
    }
  });
}

export interface ValidationFailure {
  error: string;
  field: string;
  issues: { field: string; message: string }[];
}

/** Parses with a contract; on failure describes it as a JSON body that names the first bad field. */
export function check<S extends z.ZodTypeAny>(
  schema: S,
  data: unknown,
  where: string,
): { ok: true; value: z.output<S> } | { ok: false; body: ValidationFailure } {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((i) => ({
    field: i.path.length > 0 ? i.path.join('.') : (i.code === 'unrecognized_keys' ? i.keys.join(',') : where),
    message: i.message,
  }));
  const first = issues[0]!;
  return { ok: false, body: { error: `invalid ${where}: ${first.field}: ${first.message}`, field: first.field, issues } };
}

/** Sends 400 with the validation failure, or returns the parsed value. */
export function validated<S extends z.ZodTypeAny>(res: Response, schema: S, data: unknown, where: 'body' | 'query' | 'params'): z.output<S> | undefined {
  const result = check(schema, data, where);
  if (result.ok) return result.value;
  res.status(400).json(result.body);
  return undefined;
}

/**
 * Guards admin and fault-injection routes: they are a remote kill switch. A bearer token must
 * match ADMIN_TOKEN (compared in constant time); without a configured token the routes are closed.
 */
export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token ? Buffer.from(token) : undefined;
  return (req, res, next) => {
    if (!expected) {
      res.status(503).json({ error: 'admin routes are disabled: ADMIN_TOKEN is not set' });
      return;
    }
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(401).json({ error: 'missing or wrong admin token', field: 'authorization' });
      return;
    }
    next();
  };
}

export function listen(app: Express, port: number, host: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
