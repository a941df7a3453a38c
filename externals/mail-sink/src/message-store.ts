import type { mailSink } from '@ftlab/shared';

export interface Added {
  /** A message whose Message-ID is here already is a redelivery: accepted, not kept twice. */
  duplicate: boolean;
  /** How many of the oldest messages were forgotten to stay within capacity. */
  evicted: number;
}

/** What the sink received, one copy per Message-ID, in arrival order, at most `capacity` of them. */
export class MessageStore {
  // A Map keeps insertion order, so the first key is always the oldest message.
  private readonly byId = new Map<string, mailSink.SinkMessage>();

  constructor(private readonly capacity: number) {}

  add(message: mailSink.SinkMessage): Added {
    if (this.byId.has(message.message_id)) return { duplicate: true, evicted: 0 };
    this.byId.set(message.message_id, message);
    let evicted = 0;
    for (const oldest of this.byId.keys()) {
      if (this.byId.size <= this.capacity) break;
      this.byId.delete(oldest);
      evicted++;
    }
    return { duplicate: false, evicted };
  }

  list(query: mailSink.MessagesQuery): mailSink.SinkMessage[] {
    const to = query.to?.toLowerCase();
    return [...this.byId.values()].filter(
      (m) => (to === undefined || m.to.includes(to)) && (query.order_id === undefined || m.order_id === query.order_id),
    );
  }

  clear(): number {
    const count = this.byId.size;
    this.byId.clear();
    return count;
  }

  get size(): number {
    return this.byId.size;
  }
}
