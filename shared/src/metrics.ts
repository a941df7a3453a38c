import client from 'prom-client';

export { client as prom };
export type Registry = client.Registry;

/** A registry per service with default process metrics, every series labelled with service and instance. */
export function createRegistry(service: string, instance: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service, instance });
  client.collectDefaultMetrics({ register: registry });
  return registry;
}

/** 0.02 is there for bounds stated in 20 ms (the gateway's /health under a saturated bulkhead, issue 15). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Get-or-create, so two components of one process can share a series without a registration error. */
export function counter(registry: client.Registry, name: string, help: string, labelNames: string[] = []): client.Counter<string> {
  return (registry.getSingleMetric(name) as client.Counter<string> | undefined) ?? new client.Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge(registry: client.Registry, name: string, help: string, labelNames: string[] = []): client.Gauge<string> {
  return (registry.getSingleMetric(name) as client.Gauge<string> | undefined) ?? new client.Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram(
  registry: client.Registry,
  name: string,
  help: string,
  labelNames: string[] = [],
  buckets: number[] = LATENCY_BUCKETS,
): client.Histogram<string> {
  return (
    (registry.getSingleMetric(name) as client.Histogram<string> | undefined) ??
    new client.Histogram({ name, help, labelNames, buckets, registers: [registry] })
  );
}
