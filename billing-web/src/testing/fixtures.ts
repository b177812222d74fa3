import type { MetricUsage, PlansResponse, Quota, UsageResponse } from '@/types/api';

const hard = (metric: string, unit: string, included: number, gracePercent = 0): Quota => ({
  metric,
  unit,
  included,
  cap: 'hard',
  gracePercent,
  hardLimit: Math.floor(included * (1 + gracePercent / 100)),
  overage: null,
});

const soft = (metric: string, unit: string, included: number, amountCents: number, perUnits: number): Quota => ({
  metric,
  unit,
  included,
  cap: 'soft',
  gracePercent: 0,
  hardLimit: null,
  overage: { amountCents, perUnits },
});

/** The catalog of PRODUCT.md, as GET /api/v1/plans returns it. */
export const plansResponse: PlansResponse = {
  currency: 'usd',
  plans: [
    {
      id: 'free',
      name: 'Free',
      basePriceCents: 0,
      paymentGraceDays: 0,
      quotas: [
        hard('llm_tokens', 'token', 100_000),
        hard('api_calls', 'call', 10_000),
        hard('agent_executions', 'execution', 100),
        hard('storage_mb', 'megabyte', 1_024),
        hard('user_seats', 'seat', 3),
      ],
    },
    {
      id: 'standard',
      name: 'Standard',
      basePriceCents: 9_900,
      paymentGraceDays: 7,
      quotas: [
        soft('llm_tokens', 'token', 10_000_000, 200, 1_000_000),
        soft('api_calls', 'call', 1_000_000, 100, 10_000),
        soft('agent_executions', 'execution', 10_000, 2, 1),
        soft('storage_mb', 'megabyte', 102_400, 10, 1_024),
        hard('user_seats', 'seat', 25, 20),
      ],
    },
    {
      id: 'enterprise',
      name: 'Enterprise',
      basePriceCents: 99_900,
      paymentGraceDays: 14,
      quotas: [
        soft('llm_tokens', 'token', 100_000_000, 150, 1_000_000),
        soft('api_calls', 'call', 20_000_000, 50, 10_000),
        soft('agent_executions', 'execution', 200_000, 1, 1),
        soft('storage_mb', 'megabyte', 1_048_576, 5, 1_024),
        soft('user_seats', 'seat', 500, 1_000, 1),
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
