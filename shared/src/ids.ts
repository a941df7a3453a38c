import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then random bits. Ids made
 * later sort later, so rows keyed by them are appended at the right edge of their B-tree indexes
 * instead of landing on a random page each. With random (v4) keys every insert dirties a different
 * page, and after each checkpoint PostgreSQL writes that whole page to the WAL again: on the order
 * path that made inserts tens of times slower once the tables outgrew the cache.
 */
export function uuidv7(now = Date.now(), random: Buffer = randomBytes(10)): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
