import type { ChangeTiming, Plan } from '@/types/api';

export type ChangeDirection = 'upgrade' | 'downgrade';

export type PlanChange = { from: Plan; to: Plan; direction: ChangeDirection };

/** A dearer plan is an upgrade; between equal prices the catalog's order (cheapest tier first) decides. */
export function planChange(plans: Plan[], from: Plan, to: Plan): PlanChange {
  const dearer =
    to.basePriceCents === from.basePriceCents ? plans.indexOf(to) > plans.indexOf(from) : to.basePriceCents > from.basePriceCents;
  return { from, to, direction: dearer ? 'upgrade' : 'downgrade' };
}

/** When a change takes effect: an upgrade at once, a downgrade at the period end, so paid-for capacity is kept. */
export function changeTiming(direction: ChangeDirection): ChangeTiming {
  return direction === 'upgrade' ? 'now' : 'period_end';
}
