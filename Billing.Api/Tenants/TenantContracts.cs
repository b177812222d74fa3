using System.ComponentModel.DataAnnotations;

namespace Billing.Api.Tenants;

/// <param name="Plan"><c>free</c>, <c>standard</c> or <c>enterprise</c>.</param>
public sealed record CreateTenantRequest(
    [property: Required, StringLength(200, MinimumLength = 1)] string Name,
    [property: Required] string Plan);

public sealed record TenantResponse(
    Guid Id,
    string Name,
    string Plan,
    string Status,
    DateTimeOffset CreatedAt,
    SubscriptionSummary? Subscription);

public sealed record SubscriptionSummary(
    string Plan,
    string Status,
    DateTimeOffset CurrentPeriodStart,
    DateTimeOffset CurrentPeriodEnd,
    bool CancelAtPeriodEnd);
