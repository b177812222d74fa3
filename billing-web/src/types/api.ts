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
  unit: string;
  /** Where usage is refused: the hard cap including its grace; null for a soft cap. */
  limit: number | null;
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
  baseFeeCents: number;
  costCents: number;
  projectedCostCents: number;
};

export type UsagePoint = { metric: string; at: string; cumulative: number };

export type UsageHistory = { periodStart: string; periodEnd: string; points: UsagePoint[] };

export type SubscriptionStatus = 'active' | 'trialing' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete';

export type CollectionMethod = 'charge_automatically' | 'send_invoice';

/** The card on file, as much as the dashboard may show of it. */
export type CardSummary = { brand: string; last4: string; expMonth: number; expYear: number };

/** What is owed on open invoices. */
export type OutstandingPayment = {
  amountDueCents: number;
  openInvoices: number;
  /** The oldest open invoice's payment page. */
  hostedInvoiceUrl: string | null;
  /** When the card is retried next; null when no retry is scheduled. */
  nextPaymentAttempt: string | null;
  attemptCount: number;
  /** For invoiced tenants: when the oldest open invoice is due. */
  dueDate: string | null;
};

export type Subscription = {
  plan: PlanId;
  status: SubscriptionStatus;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  cancelAtPeriodEnd: boolean;
  pendingPlan: PlanId | null;
  paymentFailedAt: string | null;
  graceEndsAt: string | null;
  collectionMethod: CollectionMethod;
  daysUntilDue: number | null;
  paymentMethod: CardSummary | null;
  /** Choosing a paid plan now goes through Stripe Checkout to collect a card first. */
  paymentMethodRequired: boolean;
  outstanding: OutstandingPayment | null;
};

/** POST /api/v1/subscription/checkout: where to send the browser. */
export type CheckoutSession = { url: string; sessionId: string; expiresAt: string };

/** POST /api/v1/billing/portal. */
export type PortalSession = { url: string };

export type ChangeTiming = 'now' | 'period_end';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export type Invoice = {
  id: string;
  /** Stripe numbers an invoice when it is finalized; a draft has none yet. */
  number: string | null;
  status: InvoiceStatus;
  currency: string;
  periodStart: string;
  periodEnd: string;
  subtotalCents: number;
  totalCents: number;
  amountDueCents: number;
  amountPaidCents: number;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  createdAt: string;
};

export type InvoiceLine = {
  id: string;
  description: string;
  metric: string | null;
  quantity: number;
  amountCents: number;
  unitAmountDecimal: string | null;
  proration: boolean;
  periodStart: string;
  periodEnd: string;
};

export type InvoicePage = { items: Invoice[]; page: number; pageSize: number; total: number };

// Only the lines are read from GET /invoices/{id}: the list row already holds the rest of the invoice.
export type InvoiceDetail = { lines: InvoiceLine[] };

export type InvoicePreview = {
  currency: string;
  periodStart: string;
  periodEnd: string;
  subtotalCents: number;
  totalCents: number;
  amountDueCents: number;
  lines: InvoiceLine[];
};

export type UsageAlert = {
  id: string;
  kind: 'included' | 'spend';
  metric: string | null;
  thresholdPercent: 50 | 80 | 100;
  periodStart: string;
  value: number;
  limit: number;
  createdAt: string;
  deliveryStatus: string;
};

export type AlertsResponse = { items: UsageAlert[] };

export type ApiScope = 'ingest' | 'read' | 'manage';

/** `GET /api/v1/api-keys/current`: the key a request was made with (never its secret). */
export type CurrentApiKey = {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  expiresAt: string | null;
};
