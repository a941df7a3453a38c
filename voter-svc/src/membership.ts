import {
  listenChannel,
  REPLICA_IDS,
  STATUS_CHANNEL,
  statusChange,
  type InstanceStatus,
  type Logger,
  type Pool,
  type ReplicaId,
} from '@ftlab/shared';

/**
 * Which replicas are ON, as the monitor last announced. Loaded once, then kept current by the
 * monitor's NOTIFY, and reloaded whenever the LISTEN connection comes back (a notification may
 * have been missed meanwhile): the read path never queries the database.
 */
export class Membership {
  private readonly status = new Map<ReplicaId, InstanceStatus>();
  private listener: { close: () => Promise<void> } | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.listener = listenChannel(
      this.databaseUrl,
      STATUS_CHANNEL,
      (payload) => this.apply(payload),
      this.logger,
      () => void this.reload().catch((err: Error) => this.logger.warn({ err: err.message }, 'membership reload failed')),
    );
  }

  /** Replicas to ask: every one not known to be OFF (one the monitor has never judged is asked). */
  replicasToAsk(): ReplicaId[] {
    return REPLICA_IDS.filter((id) => this.status.get(id) !== 'OFF');
  }

  snapshot(): Record<ReplicaId, InstanceStatus | 'UNKNOWN'> {
    return Object.fromEntries(REPLICA_IDS.map((id) => [id, this.status.get(id) ?? 'UNKNOWN'])) as Record<ReplicaId, InstanceStatus | 'UNKNOWN'>;
  }

  async stop(): Promise<void> {
    await this.listener?.close();
  }

  private async reload(): Promise<void> {
    const { rows } = await this.pool.query<{ instance_id: ReplicaId; status: InstanceStatus }>('SELECT instance_id, status FROM instance_status');
    for (const r of rows) this.status.set(r.instance_id, r.status);
  }

  private apply(payload: string): void {
    try {
      const change = statusChange.parse(JSON.parse(payload));
      this.status.set(change.instance_id, change.status);
      this.logger.info({ instance_id: change.instance_id, status: change.status }, 'membership changed');
    } catch (err) {
      this.logger.warn({ payload, err: (err as Error).message }, 'ignoring malformed status notification');
    }
  }
}
