import type { Plan } from '../api/types';

export type ChangeDirection = 'upgrade' | 'downgrade';

/** A dearer plan is an upgrade; the catalog order breaks a tie in price. */
export function changeDirection(plans: Plan[], from: Plan, to: Plan): ChangeDirection {
  if (to.basePriceCents !== from.basePriceCents) {
    return to.basePriceCents > from.basePriceCents ? 'upgrade' : 'downgrade';
  }
  return plans.indexOf(to) > plans.indexOf(from) ? 'upgrade' : 'downgrade';
}

export const effectOf: Record<ChangeDirection, string> = {
  upgrade: 'The change takes effect now, prorated: you pay the difference for the rest of this billing period.',
  downgrade: 'The change takes effect at the end of the current period. Until then you keep your current quotas.',
};
