import { productId, validated, type Express, type VotingStatsResponse } from '@ftlab/shared';
import type { Membership } from './membership';
import type { VoteCounters } from './stats';
import type { Voter } from './voter';

export function voterRoutes(app: Express, deps: { voter: Voter; stats: VoteCounters; membership: Membership }): void {
  app.get('/inventory', async (_req, res) => {
    const outcome = await deps.voter.readAll();
    res.status(outcome.status).json(outcome.body);
  });
  app.get('/inventory/:product_id', async (req, res) => {
    const id = validated(res, productId, req.params.product_id, 'params');
    if (id === undefined) return;
    const outcome = await deps.voter.readProduct(id);
    res.status(outcome.status).json(outcome.body);
  });
  app.get('/voting-stats', (_req, res) => {
    const body: VotingStatsResponse = { ...deps.stats.snapshot(), membership: deps.membership.snapshot() };
    res.json(body);
  });
}
