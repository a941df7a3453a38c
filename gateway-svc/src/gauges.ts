import { prom, type Registry } from '@ftlab/shared';
import type { StaleCache } from './stale-cache';
import type { Upstream, UpstreamName } from './upstream';

/** Gauges read at scrape time from the bulkheads and the cache, rather than kept in step with every call. */
export function registerGauges(registry: Registry, upstreams: Record<UpstreamName, Upstream>, cache: StaleCache): void {
  const each = (read: (u: Upstream) => number) =>
    function (this: prom.Gauge<string>) {
      for (const [name, upstream] of Object.entries(upstreams)) this.set({ upstream: name }, read(upstream));
    };
  new prom.Gauge({ name: 'gateway_bulkhead_in_flight', help: 'Calls in flight to an upstream', labelNames: ['upstream'], registers: [registry], collect: each((u) => u.inFlight()) });
  new prom.Gauge({ name: 'gateway_bulkhead_queued', help: 'Calls waiting for a bulkhead slot', labelNames: ['upstream'], registers: [registry], collect: each((u) => u.queued()) });
  new prom.Gauge({
    name: 'gateway_stale_cache_entries',
    help: 'Products with a remembered majority answer',
    registers: [registry],
    collect() {
      this.set(cache.size);
    },
  });
}
