import { z } from 'zod';
import { httpCall, logPosition, type Endpoints, type HttpOutcome, type HttpPool } from '@ftlab/shared';
import { acceptedOrderId, failureText, interpretRead } from '../load/answers';
import { nowMs } from '../load/clock';
import type { PlannedRequest } from '../load/workload';
import type { Indeterminate, Operation, Refused } from './history';

/**
 * Records what clients were told, for the checker. On the hot path it only appends the raw
 * answer to an array (no parsing, no I/O), so an open-loop generator is not slowed down; the
 * answers become Operations once, at the end (toOperation, pure).
 */

export type RawRequest =
  | { kind: 'place_order'; productId: string; quantity: number }
  | { kind: 'read_stock'; productId: string }
  | { kind: 'cancel_order'; orderId: string }
  | { kind: 'restock'; productId: string; quantity: number };

export interface RawOperation {
  request: RawRequest;
  invokeMs: number;
  completeMs: number;
  result: HttpOutcome;
}

const restockAnswer = z.object({ event_id: z.string() }).passthrough();

/** No answer, or one the service cannot vouch for (5xx): the request may or may not have taken effect. */
function unsettled(result: HttpOutcome): Refused | Indeterminate {
  if (!result.ok) return { type: 'indeterminate', reason: result.failure.kind };
  const error = failureText(result.body);
  if (result.status >= 400 && result.status < 500) return { type: 'refused', status: result.status, ...(error ? { error } : {}) };
  return { type: 'indeterminate', reason: `HTTP ${result.status}${error ? `: ${error}` : ''}` };
}

export function toOperation(raw: RawOperation): Operation {
  const { request: q, invokeMs, completeMs, result } = raw;
  const times = { invokeMs, completeMs };
  const { status, body } = result.ok ? result : { status: 0, body: undefined };
  switch (q.kind) {
    case 'place_order': {
      const orderId = acceptedOrderId(status, body);
      return { kind: q.kind, productId: q.productId, quantity: q.quantity, ...times, result: orderId ? { type: 'accepted', status, orderId } : unsettled(result) };
    }
    case 'read_stock': {
      const read = interpretRead(status, body);
      const position = logPosition.safeParse((body as { position?: unknown } | undefined)?.position);
      if (read.answer?.kind === 'value') {
        const { available, reserved } = read.answer;
        return { kind: q.kind, productId: q.productId, ...times, result: { type: 'value', available, reserved, quorum: read.quorum, ...(position.success ? { position: position.data } : {}) } };
      }
      if (read.answer?.kind === 'not_found') return { kind: q.kind, productId: q.productId, ...times, result: { type: 'not_found' } };
      // A read changes nothing: a 503 is as harmless as a 4xx.
      const failed = unsettled(result);
      return { kind: q.kind, productId: q.productId, ...times, result: failed.type === 'indeterminate' && status > 0 ? { type: 'refused', status, error: failed.reason } : failed };
    }
    case 'cancel_order':
      return { kind: q.kind, orderId: q.orderId, ...times, result: status === 202 ? { type: 'accepted', status } : unsettled(result) };
    case 'restock': {
      const answer = status === 202 ? restockAnswer.safeParse(body) : undefined;
      return { kind: q.kind, productId: q.productId, quantity: q.quantity, ...times, result: answer?.success ? { type: 'accepted', status, eventId: answer.data.event_id } : unsettled(result) };
    }
  }
}

export class OperationRecorder {
  private readonly raw: RawOperation[] = [];

  /** Hot path: one push. */
  add(request: RawRequest, invokeMs: number, completeMs: number, result: HttpOutcome): void {
    this.raw.push({ request, invokeMs, completeMs, result });
  }

  /** runLoad's onAnswer: a load request recorded as an order or a read. */
  readonly onLoadAnswer = (plan: PlannedRequest, sentAt: number, endMs: number, result: HttpOutcome): void => {
    const request: RawRequest =
      plan.kind === 'order' ? { kind: 'place_order', productId: plan.productId, quantity: plan.body?.quantity ?? 0 } : { kind: 'read_stock', productId: plan.productId };
    this.add(request, sentAt, endMs, result);
  };

  get size(): number {
    return this.raw.length;
  }

  /** The answers as recorded, for a client in another process to hand them over (addAll there). */
  rawOperations(): readonly RawOperation[] {
    return this.raw;
  }

  addAll(operations: readonly RawOperation[]): void {
    for (const o of operations) this.add(o.request, o.invokeMs, o.completeMs, o.result);
  }

  /** Every recorded answer as an Operation, in invocation order. */
  operations(): Operation[] {
    return this.raw.map(toOperation).sort((a, b) => a.invokeMs - b.invokeMs);
  }
}

/** A client that records every request it makes: for scenarios and tests that drive the system step by step. */
export class RecordingClient {
  constructor(
    private readonly http: { pool: HttpPool; timeoutMs: number },
    /** Where orders and reads go (the gateway's address for both, to go through it). */
    private readonly endpoints: Pick<Endpoints, 'orders' | 'voter'>,
    readonly recorder: OperationRecorder,
    private readonly adminToken?: string,
    /** Sent with every request (X-Client-Id through the gateway, say). */
    private readonly headers: Record<string, string> = {},
  ) {}

  placeOrder(productId: string, quantity: number): Promise<Operation> {
    return this.send({ kind: 'place_order', productId, quantity }, 'POST', `${this.endpoints.orders}/orders`, { product_id: productId, quantity });
  }

  read(productId: string): Promise<Operation> {
    return this.send({ kind: 'read_stock', productId }, 'GET', `${this.endpoints.voter}/inventory/${encodeURIComponent(productId)}`);
  }

  cancel(orderId: string): Promise<Operation> {
    return this.send({ kind: 'cancel_order', orderId }, 'POST', `${this.endpoints.orders}/orders/${encodeURIComponent(orderId)}/cancel`);
  }

  restock(productId: string, quantity: number): Promise<Operation> {
    const auth = this.adminToken ? { authorization: `Bearer ${this.adminToken}` } : undefined;
    return this.send({ kind: 'restock', productId, quantity }, 'POST', `${this.endpoints.orders}/admin/restock`, { product_id: productId, quantity }, auth);
  }

  private async send(request: RawRequest, method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>): Promise<Operation> {
    const invokeMs = nowMs();
    const result = await httpCall(url, { method, body, headers: { ...this.headers, ...headers }, ...this.http });
    const raw = { request, invokeMs, completeMs: nowMs(), result };
    this.recorder.add(raw.request, raw.invokeMs, raw.completeMs, raw.result);
    return toOperation(raw);
  }
}
