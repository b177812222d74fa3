// Shapes of the billing API's JSON (camelCase, money in integer cents), shared by the features that read them.

export type PlanId = 'free' | 'standard' | 'enterprise';

export type CapKind = 'hard' | 'soft';

export type Overage = { amountCents: number; perUnits: number };

export type Quota = {
  metric: string;
  unit: string;
  included: number;
  cap: CapKind;
  gracePercent: number;
  hardLimit: number | null;
  overage: Overage | null;
};

export type Plan = {
  id: PlanId;
  name: string;
  basePriceCents: number;
  paymentGraceDays: number;
  quotas: Quota[];
};

export type PlansResponse = { currency: string; plans: Plan[] };

export type MetricStatus = 'ok' | 'warning' | 'blocked';

export type MetricUsage = {
  metric: string;
  used: number;
  included: number;
  remaining: number;
  overage: number;
  cap: CapKind;
  status: MetricStatus;
  costCents: number;
  projectedUsed: number;
  projectedCostCents: number;
};

export type UsageResponse = {
  plan: PlanId;
  periodStart: string;
  periodEnd: string;
  metrics: MetricUsage[];
  currency: string;
  costCents: number;
  projectedCostCents: number;
};
