using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;

namespace Billing.Infrastructure.Tenancy;

/// <summary>What billing decisions need to know about a tenant right now.</summary>
/// <param name="Plan">The subscribed plan (with the tenant's overrides).</param>
/// <param name="FreePlan">The Free plan, whose quotas apply once the payment grace has run out.</param>
/// <param name="Anchor">Start of the first billing period; monthly periods are anchored on it.</param>
/// <param name="PaymentFailedAt">When an unpaid invoice's payment failed; null while payments are up to date.</param>
/// <param name="InvoicedThrough">End of the latest finalized invoice's period: usage before it can no longer be billed.</param>
/// <param name="HasOverrides">The tenant's overrides apply to <paramref name="Plan"/>; they never apply to <paramref name="FreePlan"/>.</param>
public sealed record TenantBilling(
    Guid TenantId,
    PlanTier Tier,
    Plan Plan,
    Plan FreePlan,
    string TenantStatus,
    string SubscriptionStatus,
    DateTimeOffset Anchor,
    DateTimeOffset? PaymentFailedAt,
    DateTimeOffset? InvoicedThrough,
    bool HasOverrides = false)
{
    /// <summary>
    /// The billing period containing <paramref name="instant"/>; an instant before the anchor (Stripe's clock ahead of
    /// ours, as with a test clock) falls in the first period. Usage events before the anchor are refused earlier.
    /// </summary>
    public BillingPeriod PeriodAt(DateTimeOffset instant) => BillingPeriod.Containing(Anchor, instant < Anchor ? Anchor : instant);

    public Standing StandingAt(DateTimeOffset now) =>
        StandingPolicy.Evaluate(TenantStatus, SubscriptionStatus, PaymentFailedAt, Plan.PaymentGraceDays, now);

    /// <summary>The quotas enforced now: the plan's, or Free's once the payment grace has run out or while the first invoice is unpaid.</summary>
    public Plan EnforcedPlanAt(DateTimeOffset now) => StandingAt(now) is Standing.PastPaymentGrace or Standing.FirstPaymentMissing ? FreePlan : Plan;
}
