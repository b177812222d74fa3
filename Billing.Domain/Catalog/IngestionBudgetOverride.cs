namespace Billing.Domain.Catalog;

/// <summary>A tenant's replacement for parts of its plan's ingestion budget; null keeps the plan's value.</summary>
public sealed record IngestionBudgetOverride(int? EventsPerSecond, int? Burst);
