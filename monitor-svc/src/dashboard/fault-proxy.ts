import { describeFailure, faultRequest, httpCall, instanceId, validated, type Express, type Logger, type ReplicaId } from '@ftlab/shared';

/** Longer than the monitor's other reads: injecting is rare, and a replica may be busy. */
const FORWARD_TIMEOUT_MS = 5000;

/** The replica's answer is relayed as JSON only: nothing it sends is served as a page on our origin. */
function asJson(body: unknown): unknown {
  return typeof body === 'string' ? { error: body.slice(0, 500) } : body;
}

/**
 * POST /dashboard/faults/:instance forwards a fault request to that replica's POST /admin/faults.
 * The page is served by the monitor and the replicas listen on other ports, so calling them from
 * the browser would need CORS on every replica; through here the page stays same-origin.
 *
 * The monitor holds no token: it passes on the Authorization header the user's page sent, and the
 * replica decides. It forwards only to the configured replica URLs and only valid fault bodies.
 */
export function faultProxyRoutes(app: Express, deps: { inventory: Record<ReplicaId, string>; logger: Logger }): void {
  app.post('/dashboard/faults/:instance', async (req, res) => {
    const id = validated(res, instanceId, req.params.instance, 'params');
    if (id === undefined) return;
    const fault = validated(res, faultRequest, req.body, 'body');
    if (fault === undefined) return;
    const authorization = req.get('authorization');
    if (!authorization) return void res.status(401).json({ error: 'enter the admin token first', field: 'authorization' });

    const target = `${deps.inventory[id]}/admin/faults`;
    const answer = await httpCall(target, { method: 'POST', headers: { authorization }, body: fault, timeoutMs: FORWARD_TIMEOUT_MS });
    if (!answer.ok) {
      return void res.status(502).json({ error: `cannot reach inventory-${id} at ${deps.inventory[id]} (${describeFailure(answer.failure)})`, instance_id: id });
    }
    deps.logger.info({ instance_id: id, fault: fault.type, status: answer.status }, 'dashboard fault request forwarded');
    res.status(answer.status).json(asJson(answer.body));
  });
}
