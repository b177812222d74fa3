using Billing.Domain.Metering;

namespace Billing.Reliability.Tests.Load;

/// <summary>
/// A tenant the load is sent for: its key, its Stripe customer, the start of its subscription (its monthly periods are
/// anchored on it), and the hard cap on <c>api_calls</c> it may have.
/// </summary>
public sealed record LoadTenant(Guid Id, string Key, string CustomerId, DateTimeOffset Anchor, long? ApiCallsHardCap)
{
    /// <summary>The billing period containing <paramref name="instant"/>.</summary>
    public BillingPeriod PeriodAt(DateTimeOffset instant) => BillingPeriod.Containing(Anchor, instant < Anchor ? Anchor : instant);
}
