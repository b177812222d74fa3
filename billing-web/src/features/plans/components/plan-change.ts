import type { Plan } from '@/types/api';

export type ChangeDirection = 'upgrade' | 'downgrade';

export type PlanChange = { from: Plan; to: Plan; direction: ChangeDirection };

/** A dearer plan is an upgrade; between equal prices the catalog's order (cheapest tier first) decides. */
export function planChange(plans: Plan[], from: Plan, to: Plan): PlanChange {
  const dearer =
    to.basePriceCents === from.basePriceCents ? plans.indexOf(to) > plans.indexOf(from) : to.basePriceCents > from.basePriceCents;
  return { from, to, direction: dearer ? 'upgrade' : 'downgrade' };
}
