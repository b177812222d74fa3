namespace Billing.Domain.Catalog;

/// <summary>A tenant's custom pricing: a replacement base price (null keeps the plan's) and per-metric quota overrides.</summary>
public sealed record TenantOverrides(long? BasePriceCents, IReadOnlyDictionary<Metric, QuotaOverride> Quotas)
{
    public static TenantOverrides None { get; } = new(null, new Dictionary<Metric, QuotaOverride>());
}
