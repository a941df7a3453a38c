import { z } from 'zod';
import type { ReadAnswer } from './wrong-answers';

/**
 * What a read's HTTP answer says. Only the fields the load test needs are required; the rest of
 * the voter's (or a replica's) body passes through untouched.
 */

const stockValue = z
  .object({
    available_quantity: z.number(),
    reserved_quantity: z.number(),
    quorum: z.object({ agreed: z.boolean() }).passthrough().optional(),
  })
  .passthrough();

/** A 404 that is a verdict about the product (the voter's carries quorum, a replica's its instance id), not a missing route. */
const productVerdict = z.union([z.object({ quorum: z.unknown() }).passthrough(), z.object({ instance_id: z.unknown() }).passthrough()]);

export interface InterpretedRead {
  /** A value or a "no such product" to judge; undefined when the read produced neither. */
  answer?: ReadAnswer;
  /** quorum.agreed of a 200, null when the answer has no quorum information. */
  quorum: boolean | null;
}

export function interpretRead(status: number, body: unknown): InterpretedRead {
  if (status === 200) {
    const parsed = stockValue.safeParse(body);
    if (!parsed.success) return { quorum: null };
    const { available_quantity, reserved_quantity, quorum } = parsed.data;
    return { answer: { kind: 'value', available: available_quantity, reserved: reserved_quantity }, quorum: quorum?.agreed ?? null };
  }
  if (status === 404 && productVerdict.safeParse(body).success) return { answer: { kind: 'not_found' }, quorum: null };
  return { quorum: null };
}

const acceptedOrder = z.object({ order_id: z.string() }).passthrough();

/** The id of an accepted order, to follow it to its decision. */
export function acceptedOrderId(status: number, body: unknown): string | undefined {
  if (status !== 202) return undefined;
  const parsed = acceptedOrder.safeParse(body);
  return parsed.success ? parsed.data.order_id : undefined;
}

/** A short reason for a failed request: the error code, or the service's own error text. */
export function failureText(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) return String((body as { error: unknown }).error).slice(0, 120);
  return typeof body === 'string' && body.length > 0 ? body.slice(0, 120) : undefined;
}
