export type PlanId = 'free' | 'standard' | 'enterprise';

export type Overage = { amountCents: number; perUnits: number };

export type Quota = {
  metric: string;
  unit: string;
  included: number;
  cap: 'hard' | 'soft';
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

export type PlanCatalog = { currency: string; plans: Plan[] };
