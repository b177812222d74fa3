import type {
  ApiScope,
  CurrentApiKey,
  Invoice,
  InvoiceLine,
  InvoicePreview,
  MetricUsage,
  PlansResponse,
  Quota,
  Subscription,
  UsageAlert,
  UsageResponse,
} from '@/types/api';

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
    unit: 'token',
    limit: null,
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
    baseFeeCents: 9900,
    costCents: 9900,
    projectedCostCents: 9900,
    ...overrides,
  };
}

export function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    plan: 'standard',
    status: 'active',
    currentPeriodStart: '2026-11-01T00:00:00Z',
    currentPeriodEnd: '2026-12-01T00:00:00Z',
    cancelAtPeriodEnd: false,
    pendingPlan: null,
    paymentFailedAt: null,
    graceEndsAt: null,
    collectionMethod: 'charge_automatically',
    daysUntilDue: null,
    paymentMethod: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2029 },
    paymentMethodRequired: false,
    outstanding: null,
    ...overrides,
  };
}

export function invoiceLine(overrides: Partial<InvoiceLine> = {}): InvoiceLine {
  return {
    id: 'il_base',
    description: 'Standard plan',
    metric: null,
    quantity: 1,
    amountCents: 9900,
    unitAmountDecimal: '9900',
    proration: false,
    periodStart: '2026-10-01T00:00:00Z',
    periodEnd: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

export function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    id: 'in_1',
    number: 'BILL-0001',
    status: 'paid',
    currency: 'usd',
    periodStart: '2026-10-01T00:00:00Z',
    periodEnd: '2026-11-01T00:00:00Z',
    subtotalCents: 10300,
    totalCents: 10300,
    amountDueCents: 10300,
    amountPaidCents: 10300,
    hostedInvoiceUrl: 'https://invoices.example/in_1',
    invoicePdfUrl: 'https://invoices.example/in_1.pdf',
    createdAt: '2026-11-01T00:05:00Z',
    ...overrides,
  };
}

export function invoicePreview(overrides: Partial<InvoicePreview> = {}): InvoicePreview {
  return {
    currency: 'usd',
    periodStart: '2026-11-01T00:00:00Z',
    periodEnd: '2026-12-01T00:00:00Z',
    subtotalCents: 10300,
    totalCents: 10300,
    amountDueCents: 10300,
    lines: [
      invoiceLine({ periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-12-01T00:00:00Z' }),
      invoiceLine({
        id: 'il_tokens',
        description: 'LLM tokens overage',
        metric: 'llm_tokens',
        quantity: 2_000_000,
        amountCents: 400,
        unitAmountDecimal: '0.0002',
        periodStart: '2026-11-01T00:00:00Z',
        periodEnd: '2026-12-01T00:00:00Z',
      }),
    ],
    ...overrides,
  };
}

export function usageAlert(overrides: Partial<UsageAlert> = {}): UsageAlert {
  return {
    id: 'al_1',
    kind: 'included',
    metric: 'llm_tokens',
    thresholdPercent: 80,
    periodStart: '2026-11-01T00:00:00Z',
    value: 8_000_000,
    limit: 10_000_000,
    createdAt: '2026-11-20T10:00:00Z',
    deliveryStatus: 'delivered',
    ...overrides,
  };
}

export function currentApiKey(scopes: ApiScope[], overrides: Partial<CurrentApiKey> = {}): CurrentApiKey {
  return {
    id: '0194b3a0-0000-7000-8000-0000000000k1',
    tenantId: '0194b3a0-0000-7000-8000-00000000d3e0',
    name: 'dashboard',
    prefix: 'bk_live_abc',
    scopes,
    expiresAt: null,
    ...overrides,
  };
}
