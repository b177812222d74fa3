namespace Billing.Infrastructure.Data.Entities;

/// <summary>A Stripe object the catalog sync resolved, by the lookup key the code uses to find it.</summary>
public sealed class StripeCatalogEntry
{
    /// <summary><c>billing_{plan}_base</c>, <c>billing_{plan}_{metric}</c>, or <c>meter_{metric}</c>.</summary>
    public required string LookupKey { get; set; }

    /// <summary><c>base</c>, <c>metered</c> or <c>meter</c>.</summary>
    public required string Kind { get; set; }

    public string? Plan { get; set; }
    public string? Metric { get; set; }

    /// <summary>The price id (prices) or the meter id (meters).</summary>
    public required string StripeId { get; set; }

    public string? ProductId { get; set; }
    public DateTimeOffset SyncedAt { get; set; }
}
