import type { ReplicaId } from '@ftlab/shared';
import type { ReplicaAnswer } from './vote';

/** Replica answers for the vote's and the retry policy's tests, all about PROD-001 in partition 2. */
export const P = 'PROD-001';
/** `available`/`reserved` stock of PROD-001 at offset `offset` of partition 2. */
export const value = (id: ReplicaId, available: number, offset = 10, reserved = 0): ReplicaAnswer => ({
  instance_id: id,
  kind: 'value',
  value: { product_id: P, available_quantity: available, reserved_quantity: reserved, position: { partition: 2, offset } },
});
export const notFound = (id: ReplicaId, offset?: number): ReplicaAnswer =>
  offset === undefined ? { instance_id: id, kind: 'not_found' } : { instance_id: id, kind: 'not_found', position: { partition: 2, offset } };
export const error = (id: ReplicaId): ReplicaAnswer => ({ instance_id: id, kind: 'error', error: 'HTTP 500', cause: 'http_error' });
export const timeout = (id: ReplicaId): ReplicaAnswer => ({ instance_id: id, kind: 'timeout' });
