import type { ReplicaId } from '@ftlab/shared';
import type { Reply } from './replica-client';

/**
 * Asks every replica at once. `decided` resolves as soon as the replies so far settle the question
 * (or when all are in), so the client never waits for the slowest replica; `all` resolves when
 * every reply is in, for the check that must still look at the late one; `answered` says who has
 * replied so far.
 */
export function fanOut<T>(
  asked: readonly ReplicaId[],
  ask: (id: ReplicaId) => Promise<Reply<T>>,
  settles: (replies: readonly Reply<T>[]) => boolean,
): { decided: Promise<Reply<T>[]>; all: Promise<Reply<T>[]>; answered: (id: ReplicaId) => boolean } {
  const replies: Reply<T>[] = [];
  let resolveDecided!: (r: Reply<T>[]) => void;
  const decided = new Promise<Reply<T>[]>((r) => (resolveDecided = r));
  if (asked.length === 0) resolveDecided([]);
  const all = Promise.all(
    asked.map((id) =>
      ask(id).then((reply) => {
        replies.push(reply);
        if (replies.length === asked.length || settles(replies)) resolveDecided([...replies]);
      }),
    ),
  ).then(() => replies);
  return { decided, all, answered: (id) => replies.some((r) => r.instance_id === id) };
}
