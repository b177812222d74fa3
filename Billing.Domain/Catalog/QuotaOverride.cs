namespace Billing.Domain.Catalog;

/// <summary>A tenant's replacement for parts of one quota; null keeps the plan's value.</summary>
public sealed record QuotaOverride(long? Included, CapMode? Cap, decimal? GracePercent, OveragePrice? Overage);
