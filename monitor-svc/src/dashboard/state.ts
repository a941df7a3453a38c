import type { FailureRecord, GatewayStatsResponse, MonitoredInstance, NotificationStatsResponse, PaymentStatsResponse, StatusChange, VotingStatsResponse } from '@ftlab/shared';
import { instanceReport } from '../routes';
import type { MonitorStore } from '../store';
import type { ReplicaWatcher } from '../watcher';
import { LatencyHistory, type LatencySample } from './latency-history';
import { fetchGatewayStats, fetchNotificationStats, fetchOrderCounts, fetchPaymentStats, fetchVotingStats, type OrderCounts, type Part } from './peers';
import { reportStatus, type ReportStatus } from './report-files';

/** How many audit rows the page shows. */
export const FAILURE_ROWS = 20;

export interface DashboardSources {
  watchers: readonly ReplicaWatcher[];
  /** Since-when of each replica's status, kept by main.ts's transition hook. */
  since: ReadonlyMap<string, Date>;
  store: Pick<MonitorStore, 'failures'>;
  endpoints: { voter: string; orders: string; gateway: string; payment: string; notification: string };
  reportsDir: string;
}

/** Everything the page shows, in one message: the page renders it whole, so it never merges state. */
export interface Snapshot {
  at: string;
  /** Which monitor process sent it: a restart shows up as a new pid. */
  monitor: { pid: number; started_at: string };
  replicas: MonitoredInstance[];
  failures: Part<FailureRecord[]>;
  voter: Part<VotingStatsResponse>;
  orders: Part<OrderCounts>;
  /** gateway-svc's breakers per upstream and its rate limiter (limits, recent 429s). */
  gateway: Part<GatewayStatsResponse>;
  /** The saga panel: payment-svc's breaker and charges, notification-svc's emails waiting (orders by status are `orders`). */
  payments: Part<PaymentStatsResponse>;
  notifications: Part<NotificationStatsResponse>;
  latency_history: LatencySample[];
  report: ReportStatus;
}

const NOT_YET: Part<never> = { available: false, error: 'not fetched yet' };

/**
 * Gathers the dashboard's snapshot. Replica states are read live from the watchers on every
 * snapshot; the other services' figures (voter, orders, gateway, payments, notifications) are fetched once per tick (refreshPeers) and reused by
 * the snapshots pushed on status changes in between, so such a push never waits on a slow peer.
 */
export class DashboardState {
  private voter: Part<VotingStatsResponse> = NOT_YET;
  private orders: Part<OrderCounts> = NOT_YET;
  private gateway: Part<GatewayStatsResponse> = NOT_YET;
  private payments: Part<PaymentStatsResponse> = NOT_YET;
  private notifications: Part<NotificationStatsResponse> = NOT_YET;
  private readonly history = new LatencyHistory();
  /** The latest NOTIFY per replica: it can arrive before main.ts has updated `since`. */
  private readonly announced = new Map<string, StatusChange>();
  private readonly startedAt = new Date().toISOString();
  private refreshing: Promise<void> | undefined;
  private refreshedAt = 0;

  constructor(private readonly sources: DashboardSources) {}

  /** Fetches the other services' figures; callers arriving meanwhile share the one fetch. */
  refreshPeers(): Promise<void> {
    this.refreshing ??= this.fetchPeers().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** For a client that just connected: fresh figures unless the last fetch is recent enough. */
  async refreshPeersIfOlderThan(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.refreshedAt > maxAgeMs) await this.refreshPeers();
  }

  private async fetchPeers(): Promise<void> {
    const { endpoints } = this.sources;
    const [voter, orders, gateway, payments, notifications] = await Promise.all([
      fetchVotingStats(endpoints.voter),
      fetchOrderCounts(endpoints.orders),
      fetchGatewayStats(endpoints.gateway),
      fetchPaymentStats(endpoints.payment),
      fetchNotificationStats(endpoints.notification),
    ]);
    this.voter = voter;
    this.orders = orders;
    this.gateway = gateway;
    this.payments = payments;
    this.notifications = notifications;
    this.refreshedAt = Date.now();
    const latency = voter.available ? voter.value.latency_ms : { p50: null, p95: null, p99: null };
    this.history.add({ t: this.refreshedAt, p50: latency.p50, p95: latency.p95, p99: latency.p99 });
  }

  announce(change: StatusChange): void {
    this.announced.set(change.instance_id, change);
  }

  async snapshot(): Promise<Snapshot> {
    const [failures, report] = await Promise.all([
      this.sources.store.failures(undefined, FAILURE_ROWS).then(
        (rows): Part<FailureRecord[]> => ({ available: true, value: rows }),
        (err: Error): Part<FailureRecord[]> => ({ available: false, error: `failure audit: ${err.message}` }),
      ),
      reportStatus(this.sources.reportsDir),
    ]);
    return {
      at: new Date().toISOString(),
      monitor: { pid: process.pid, started_at: this.startedAt },
      replicas: this.sources.watchers.map((w) => instanceReport(w, this.sinceMap())),
      failures,
      voter: this.voter,
      orders: this.orders,
      gateway: this.gateway,
      payments: this.payments,
      notifications: this.notifications,
      latency_history: this.history.list(),
      report,
    };
  }

  /** main.ts's since, unless a NOTIFY already told of a later change. */
  private sinceMap(): ReadonlyMap<string, Date> {
    const merged = new Map(this.sources.since);
    for (const [id, change] of this.announced) {
      const at = new Date(change.since);
      const known = merged.get(id);
      if (!known || known < at) merged.set(id, at);
    }
    return merged;
  }
}
