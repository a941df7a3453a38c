import { setTimeout as sleep } from 'node:timers/promises';
import { STATUS_CHANNEL, listenChannel, statusChange, type Express, type Logger, type ReplicaId } from '@ftlab/shared';
import { faultProxyRoutes } from './fault-proxy';
import { pageRoutes } from './pages';
import { SseHub } from './sse';
import { DashboardState, type DashboardSources } from './state';

/** The periodic push; status changes are pushed at once in between. */
export const TICK_MS = 1000;

/** Delivers each committed status change (a StatusChange as JSON), and says when some may have been missed. */
export type StatusFeed = (onChange: (payload: string) => void, onMissed: () => void) => { close: () => Promise<void> };

export interface DashboardDeps extends Omit<DashboardSources, 'endpoints'> {
  endpoints: { voter: string; orders: string; gateway: string; payment: string; notification: string; inventory: Record<ReplicaId, string> };
  /** For LISTEN on the status channel: every transition the monitor commits is announced there. */
  databaseUrl: string;
  logger: Logger;
  /** Replaces the LISTEN connection (tests). */
  statusFeed?: StatusFeed;
  tickMs?: number;
}

/**
 * The live dashboard: GET /dashboard (the page), GET /dashboard/events (Server-Sent Events: a
 * snapshot at connect, on every replica status change, and every TICK_MS), the fault-injection
 * proxy and the latest experiment report. Returns the closer for shutdown.
 */
export function dashboardRoutes(app: Express, deps: DashboardDeps): { close: () => Promise<void> } {
  const { logger, tickMs = TICK_MS } = deps;
  const state = new DashboardState(deps);
  let closed = false;

  // One snapshot at a time; changes arriving while one is built are folded into one more after it.
  let pushing: Promise<void> | undefined;
  let pushAgain = false;
  const push = (): Promise<void> => {
    if (pushing) {
      pushAgain = true;
      return pushing;
    }
    pushing = (async () => {
      do {
        pushAgain = false;
        if (hub.size > 0) hub.broadcast('snapshot', await state.snapshot());
      } while (pushAgain);
    })()
      .catch((err: Error) => logger.warn({ err: err.message }, 'dashboard snapshot failed'))
      .finally(() => (pushing = undefined));
    return pushing;
  };

  // Ticks only while someone watches: nobody's dashboard means no polling of the voter and orders.
  // The first tick comes one interval after the first client connected: it got a snapshot then.
  let ticking = false;
  const stopTicking = new AbortController();
  const tick = async () => {
    ticking = true;
    for (;;) {
      await sleep(tickMs, undefined, { signal: stopTicking.signal }).catch(() => undefined);
      if (hub.size === 0 || closed) break;
      await state.refreshPeers();
      await push();
    }
    ticking = false;
  };
  const hub = new SseHub((clients) => {
    if (clients > 0 && !ticking) void tick();
  });

  const listen: StatusFeed = deps.statusFeed ?? ((onChange, onMissed) => listenChannel(deps.databaseUrl, STATUS_CHANNEL, onChange, logger, onMissed));
  const listener = listen(
    (payload) => {
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        json = undefined;
      }
      const change = statusChange.safeParse(json);
      if (change.success) state.announce(change.data);
      else logger.warn({ payload }, 'dashboard: unexpected status notification');
      void push();
    },
    // Changes made while the LISTEN connection was down were not announced: show the current state.
    () => void push(),
  );

  app.get('/dashboard/events', async (req, res) => {
    // Shutting down: a reconnecting browser must not hold the closing server open.
    if (closed) return void res.status(503).json({ error: 'monitor is shutting down' });
    hub.open(req, res);
    try {
      await state.refreshPeersIfOlderThan(2 * tickMs);
      hub.send(res, 'snapshot', await state.snapshot());
    } catch (err) {
      // The stream is open already, so no error response: the next tick brings the snapshot.
      logger.warn({ err: (err as Error).message }, 'dashboard: first snapshot failed');
    }
  });
  faultProxyRoutes(app, { inventory: deps.endpoints.inventory, logger });
  pageRoutes(app, deps.reportsDir);

  return {
    close: async () => {
      closed = true;
      stopTicking.abort();
      hub.closeAll();
      await listener.close();
    },
  };
}
