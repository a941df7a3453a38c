import type { Request, Response } from '@ftlab/shared';

/** How long the browser waits before reconnecting after the stream drops (e.g. the monitor restarts). */
export const RETRY_MS = 1000;
/** Comment lines keep idle proxies and load balancers from cutting the connection. */
export const HEARTBEAT_MS = 10_000;
/** A client that stops reading is dropped once this much is queued for it, instead of growing our memory. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** One Server-Sent Events message; `data` is JSON, which never contains a raw newline. */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The open event streams. Broadcasting writes the same bytes to every client; a client whose
 * socket closed or who has fallen too far behind is forgotten.
 */
export class SseHub {
  private readonly clients = new Set<Response>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly onCountChange: (clients: number) => void = () => undefined) {}

  get size(): number {
    return this.clients.size;
  }

  /** Turns the response into an event stream and keeps it until the client goes away. */
  open(req: Request, res: Response): void {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx buffers responses by default, which would hold events back.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.clients.add(res);
    // No res.end() here: the client is gone, and ending would record an hours-long "request" in the
    // http_request_duration histogram.
    res.on('close', () => this.forget(res));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.broadcastRaw(': heartbeat\n\n'), HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    this.onCountChange(this.clients.size);
  }

  /** Sends to one client only (the snapshot a new client gets at connect). */
  send(res: Response, event: string, data: unknown): void {
    if (this.clients.has(res)) this.write(res, formatEvent(event, data));
  }

  broadcast(event: string, data: unknown): void {
    if (this.clients.size > 0) this.broadcastRaw(formatEvent(event, data));
  }

  /** Ends every stream (shutdown); browsers reconnect to whoever listens next. */
  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopHeartbeat();
  }

  private broadcastRaw(chunk: string): void {
    for (const res of this.clients) this.write(res, chunk);
  }

  private write(res: Response, chunk: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      this.forget(res);
      return;
    }
    res.write(chunk);
  }

  private forget(res: Response): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.stopHeartbeat();
    this.onCountChange(this.clients.size);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
