namespace Billing.Infrastructure.Data.Entities;

/// <summary>A customer of the SaaS product, billed by this system.</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Plan key (<c>free</c>, <c>standard</c>, <c>enterprise</c>); the subscription row is authoritative for billing.</summary>
    public required string Plan { get; set; }

    /// <summary><c>active</c>, <c>suspended</c> or <c>cancelled</c>.</summary>
    public string Status { get; set; } = TenantStatus.Active;

    public string? StripeCustomerId { get; set; }

    /// <summary>Per-tenant quota and price overrides, as JSON (the seed's "custom pricing per tenant").</summary>
    public string? Overrides { get; set; }

    public string? AlertWebhookUrl { get; set; }
    public string? AlertWebhookSecret { get; set; }
    public long? SpendLimitCents { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class TenantStatus
{
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Cancelled = "cancelled";
}
