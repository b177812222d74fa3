using Billing.Domain.Catalog;
using Billing.Domain.Metering;

namespace Billing.Infrastructure.Tenancy;

/// <summary>What billing decisions need to know about a tenant right now.</summary>
/// <param name="Anchor">Start of the first billing period; monthly periods are anchored on it.</param>
/// <param name="InvoicedThrough">End of the latest finalized invoice's period: usage before it can no longer be billed.</param>
public sealed record TenantBilling(
    Guid TenantId,
    PlanTier Tier,
    Plan Plan,
    string SubscriptionStatus,
    DateTimeOffset Anchor,
    DateTimeOffset? InvoicedThrough)
{
    /// <summary>The billing period containing <paramref name="instant"/> (which must not precede <see cref="Anchor"/>).</summary>
    public BillingPeriod PeriodAt(DateTimeOffset instant) => BillingPeriod.Containing(Anchor, instant);
}
