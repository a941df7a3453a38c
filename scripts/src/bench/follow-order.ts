import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { callJson, describeFailure, isFinalOrderStatus, orderStatus, type HttpPool } from '@ftlab/shared';
import { nowMs } from '../load/clock';
import type { FollowResult } from './client-outcome';

/**
 * What a client does after POST /orders answered 202, as the README tells it to: GET
 * /orders/:id?wait= again and again until the order has its final status.
 */

/** Long enough that a decision normally lands within one poll, well under the API's 10 s cap. */
export const FOLLOW_WAIT_MS = 5000;
/** A follow gives up after this long: a stuck pipeline must end the run. */
const FOLLOW_GIVE_UP_MS = 60_000;
/** After a failed GET (not an answer still PENDING or RESERVED), like a client's retry back-off. */
const RETRY_PAUSE_MS = 100;

const orderAnswer = z.object({ status: orderStatus });

export async function followOrder(ordersUrl: string, orderId: string, pool: HttpPool): Promise<FollowResult> {
  const url = `${ordersUrl}/orders/${orderId}?wait=${FOLLOW_WAIT_MS}`;
  const giveUpAt = nowMs() + FOLLOW_GIVE_UP_MS;
  let polls = 0;
  let error = 'gave up';
  while (nowMs() < giveUpAt) {
    polls += 1;
    const answer = await callJson(url, orderAnswer, { timeoutMs: FOLLOW_WAIT_MS + 5000, pool });
    if (answer.ok && isFinalOrderStatus(answer.value.status)) return { orderId, decided: true, status: answer.value.status, endMs: nowMs(), polls };
    if (!answer.ok) {
      error = describeFailure(answer.failure);
      await sleep(RETRY_PAUSE_MS);
    }
  }
  return { orderId, decided: false, polls, error };
}
