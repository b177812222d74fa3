using Billing.Domain.Metering;

namespace Billing.Domain.Catalog;

/// <summary>
/// How many usage events a tenant may send: a bucket of <paramref name="Burst"/> events, refilled at
/// <paramref name="EventsPerSecond"/>. Past it, ingestion answers 429 until the bucket holds the request's events.
/// </summary>
/// <param name="Burst">At least <see cref="UsageEventRules.MaxEventsPerRequest"/>, so a request of the largest size can pass.</param>
public sealed record IngestionBudget(int EventsPerSecond, int Burst)
{
    /// <summary>For a plan whose configuration names no budget.</summary>
    public static IngestionBudget Default { get; } = new(1_000, 10_000);
}
