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
