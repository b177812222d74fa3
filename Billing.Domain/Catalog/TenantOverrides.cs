namespace Billing.Domain.Catalog;

/// <summary>
/// A tenant's custom pricing and limits: a replacement base price (null keeps the plan's), per-metric quota overrides and
/// a replacement for parts of the ingestion budget.
/// </summary>
public sealed record TenantOverrides(
    long? BasePriceCents, IReadOnlyDictionary<Metric, QuotaOverride> Quotas, IngestionBudgetOverride? IngestionBudget = null)
{
    public static TenantOverrides None { get; } = new(null, new Dictionary<Metric, QuotaOverride>());
}
