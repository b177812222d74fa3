namespace Billing.Infrastructure.Metering;

/// <summary>What happened to a request's events: newly stored, or already known (never counted twice).</summary>
public sealed record IngestionResult(int Accepted, int Duplicates, IReadOnlyList<string> DuplicateIds);
