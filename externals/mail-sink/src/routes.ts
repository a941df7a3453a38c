import { counter, gauge, mailSink as api, requireAdminToken, validated, type Express, type Logger, type Registry } from '@ftlab/shared';
import type { MessageStore } from './message-store';
import type { SmtpListener } from './smtp-listener';

export function messageRoutes(app: Express, deps: { store: MessageStore; adminToken?: string }): void {
  const { store } = deps;
  app.get('/messages', (req, res) => {
    const query = validated(res, api.messagesQuery, req.query, 'query');
    if (query === undefined) return;
    const messages = store.list(query);
    res.json({ count: messages.length, messages } satisfies api.MessagesResponse);
  });
  // Wiping what was received destroys the evidence a test counts: admin token, like the faults.
  app.delete('/messages', requireAdminToken(deps.adminToken), (_req, res) => {
    res.json({ deleted: store.clear() });
  });
}

/** The fault switch of the sink: down closes the SMTP port, clear opens it again. */
export class SinkFaults {
  current: api.MailSinkFault | null = null;
  /** Switches run one after another: two clears at once must not both try to listen. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly smtp: SmtpListener) {}

  state(): api.MailSinkFaultState {
    return { fault: this.current, smtp_listening: this.smtp.listening };
  }

  apply(request: api.MailSinkFaultRequest): Promise<void> {
    const run = this.queue.then(() => this.switchTo(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async switchTo(request: api.MailSinkFaultRequest): Promise<void> {
    if (request.type === 'down') {
      this.current = request;
      await this.smtp.close();
    } else {
      // The fault stays in force until the port is really open again.
      await this.smtp.open();
      this.current = null;
    }
  }
}

export function faultRoutes(app: Express, deps: { faults: SinkFaults; adminToken?: string; registry: Registry; logger: Logger }): void {
  const { faults, logger } = deps;
  const admin = requireAdminToken(deps.adminToken);
  const injected = counter(deps.registry, 'mail_sink_faults_injected_total', 'Faults set through /admin/faults, by type', ['type']);
  const listening = gauge(deps.registry, 'mail_sink_smtp_listening', 'Whether the SMTP port accepts connections (1) or is closed by a fault (0)');
  listening.set(1);
  app.get('/admin/faults', admin, (_req, res) => {
    res.json(faults.state());
  });
  app.post('/admin/faults', admin, async (req, res) => {
    const fault = validated(res, api.mailSinkFaultRequest, req.body, 'body');
    if (fault === undefined) return;
    try {
      await faults.apply(fault);
    } catch (err) {
      logger.error({ err: (err as Error).message, fault }, 'could not apply the fault');
      res.set('Retry-After', '1').status(503).json({ error: `could not apply ${fault.type}: ${(err as Error).message}`, ...faults.state() });
      return;
    }
    injected.inc({ type: fault.type });
    listening.set(faults.state().smtp_listening ? 1 : 0);
    logger.warn({ fault }, fault.type === 'clear' ? 'fault cleared: smtp listening again' : 'fault injected: smtp port closed');
    res.json(faults.state());
  });
}
