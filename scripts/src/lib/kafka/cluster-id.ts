import crypto from 'node:crypto';

/**
 * A new KRaft cluster id: 16 random bytes in URL-safe base64, as `kafka-storage random-uuid`
 * prints. Like Kafka's own Uuid.randomUuid, an id that starts with '-' is drawn again: passed to
 * `kafka-storage format -t`, it would be read as an option and the format would fail (one id in
 * 64 does, since '-' is one of base64url's 64 first characters). The all-zero id is reserved.
 */
export function newClusterId(randomBytes: () => Buffer = () => crypto.randomBytes(16)): string {
  for (;;) {
    const bytes = randomBytes();
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && bytes.some((b) => b !== 0)) return id;
  }
}
