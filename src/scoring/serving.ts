import type { Model } from '../entities/model.entity';
import { beats } from '../ml/promotion';

export type ServingChoice = { winner: 'TENANT' | 'GLOBAL' | 'NONE'; why: string; order: Model[] };

/**
 * Which model serves a tenant: the winner of its own active model and the global one, judged on
 * the tenant's own held-out minutes (the comparison its model stored when it trained). A tenant
 * without a model of its own gets the global model from day one. The runner-up comes second, as a
 * fallback should the first be refused at load.
 */
export function chooseServing(own: Model | null, global: Model | null): ServingChoice {
  const choice = choose(own, global);
  // A model the worker refuses to load is named as such, not taken for "no model".
  const refused = choice.order.filter((m) => m.refusedReason);
  if (refused.length === 0) return choice;
  const loadable = choice.order.filter((m) => !m.refusedReason);
  const names = refused
    .map(
      (m) =>
        `${m.tenantId === own?.tenantId ? 'tenant' : 'global'} model version ${m.version} is refused: ${m.refusedReason}`,
    )
    .join('; ');
  return {
    winner: loadable[0] ? (loadable[0] === own ? 'TENANT' : 'GLOBAL') : 'NONE',
    why: `${names}${loadable[0] ? '' : '; no model can serve until its record is restored'}`,
    // Unchanged: the cache tries a refused model again first, so a restored record serves again.
    order: choice.order,
  };
}

function choose(own: Model | null, global: Model | null): ServingChoice {
  if (!own && !global) return { winner: 'NONE', why: 'no active model yet', order: [] };
  if (!own)
    return { winner: 'GLOBAL', why: 'the tenant has no active model of its own', order: [global!] };
  if (!global) return { winner: 'TENANT', why: 'there is no active global model', order: [own] };
  const compared = own.evaluation.global;
  if (!compared || compared.modelId !== global.id) {
    return {
      winner: 'TENANT',
      why: 'the tenant model was not compared with this global model (it trained before it)',
      order: [own, global],
    };
  }
  return beats(compared.metrics, own.evaluation.model)
    ? {
        winner: 'GLOBAL',
        why: "the global model beats the tenant's own on its held-out minutes",
        order: [global, own],
      }
    : {
        winner: 'TENANT',
        why: "the tenant's own model is at least as good on its held-out minutes",
        order: [own, global],
      };
}
