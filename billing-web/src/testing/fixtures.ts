import type { MetricUsage, PlansResponse, UsageResponse } from '@/types/api';

/** The catalog as GET /api/v1/plans returns it. */
export const plansResponse: PlansResponse = {
  currency: 'usd',
  plans: [
    {
      id: 'free',
      name: 'Free',
      basePriceCents: 0,
      paymentGraceDays: 0,
      quotas: [
        { metric: 'llm_tokens', unit: 'token', included: 100000, cap: 'hard', gracePercent: 0, hardLimit: 100000, overage: null },
        { metric: 'user_seats', unit: 'seat', included: 3, cap: 'hard', gracePercent: 0, hardLimit: 3, overage: null },
      ],
    },
    {
      id: 'standard',
      name: 'Standard',
      basePriceCents: 9900,
      paymentGraceDays: 7,
      quotas: [
        {
          metric: 'llm_tokens',
          unit: 'token',
          included: 10000000,
          cap: 'soft',
          gracePercent: 10,
          hardLimit: null,
          overage: { amountCents: 200, perUnits: 1000000 },
        },
        { metric: 'user_seats', unit: 'seat', included: 25, cap: 'hard', gracePercent: 20, hardLimit: 30, overage: null },
      ],
    },
    {
      id: 'enterprise',
      name: 'Enterprise',
      basePriceCents: 99900,
      paymentGraceDays: 14,
      quotas: [
        {
          metric: 'llm_tokens',
          unit: 'token',
          included: 100000000,
          cap: 'soft',
          gracePercent: 0,
          hardLimit: null,
          overage: { amountCents: 150, perUnits: 1000000 },
        },
        {
          metric: 'user_seats',
          unit: 'seat',
          included: 500,
          cap: 'soft',
          gracePercent: 0,
          hardLimit: null,
          overage: { amountCents: 1000, perUnits: 1 },
        },
      ],
    },
  ],
};

/** One metric of GET /api/v1/usage; tests override what they are about. */
export function metricUsage(overrides: Partial<MetricUsage> = {}): MetricUsage {
  return {
    metric: 'llm_tokens',
    used: 2500000,
    included: 10000000,
    remaining: 7500000,
    overage: 0,
    cap: 'soft',
    status: 'ok',
    costCents: 0,
    projectedUsed: 6000000,
    projectedCostCents: 0,
    ...overrides,
  };
}

export function usageResponse(overrides: Partial<UsageResponse> = {}): UsageResponse {
  return {
    plan: 'standard',
    periodStart: '2026-11-01T00:00:00Z',
    periodEnd: '2026-12-01T00:00:00Z',
    metrics: [metricUsage()],
    currency: 'usd',
    costCents: 9900,
    projectedCostCents: 9900,
    ...overrides,
  };
}
