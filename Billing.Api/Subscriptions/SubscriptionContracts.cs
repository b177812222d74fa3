using System.ComponentModel.DataAnnotations;

namespace Billing.Api.Subscriptions;

/// <param name="GraceEndsAt">When a failed payment's grace runs out (the tenant is then held to Free quotas).</param>
/// <param name="BasePriceCents">The monthly base price of the plan as this tenant has it (with its overrides).</param>
/// <param name="HasOverrides">The operator gave this tenant custom quotas or prices; <c>GET /usage</c> shows them per metric.</param>
public sealed record SubscriptionResponse(
    string Plan,
    string Status,
    DateTimeOffset CurrentPeriodStart,
    DateTimeOffset CurrentPeriodEnd,
    bool CancelAtPeriodEnd,
    string? PendingPlan,
    DateTimeOffset? PaymentFailedAt,
    DateTimeOffset? GraceEndsAt,
    long BasePriceCents,
    string Currency,
    bool HasOverrides);

/// <param name="Timing"><c>now</c> (prorated) or <c>period_end</c>; by default upgrades apply now and downgrades at the period's end.</param>
public sealed record ChangePlanRequest([property: Required] string Plan, string? Timing);

public sealed record CancelRequest(bool AtPeriodEnd = true);
