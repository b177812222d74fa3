import type { Plan, PlanId } from '@/types/api';
import { changeTiming, planChange } from './plan-change';

// Standard and Enterprise share a price here so the catalog order has to decide between them.
const catalog: Plan[] = [
  { id: 'free', name: 'Free', basePriceCents: 0, paymentGraceDays: 0, quotas: [] },
  { id: 'standard', name: 'Standard', basePriceCents: 9900, paymentGraceDays: 7, quotas: [] },
  { id: 'enterprise', name: 'Enterprise', basePriceCents: 9900, paymentGraceDays: 14, quotas: [] },
];

const byId = (id: PlanId) => catalog.find((plan) => plan.id === id) as Plan;

describe('planChange', () => {
  it.each([
    ['free', 'standard', 'upgrade'],
    ['standard', 'free', 'downgrade'],
    ['standard', 'enterprise', 'upgrade'],
    ['enterprise', 'standard', 'downgrade'],
  ] as const)('moving from %s to %s is a %s', (from, to, direction) => {
    expect(planChange(catalog, byId(from), byId(to))).toEqual({ from: byId(from), to: byId(to), direction });
  });
});

describe('changeTiming', () => {
  it.each([
    ['upgrade', 'now'],
    ['downgrade', 'period_end'],
  ] as const)('an %s takes effect %s', (direction, timing) => {
    expect(changeTiming(direction)).toBe(timing);
  });
});
