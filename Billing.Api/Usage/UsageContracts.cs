namespace Billing.Api.Usage;

/// <param name="DuplicateIds">Ids already stored earlier (or repeated in this request): acknowledged, never counted again.</param>
public sealed record IngestUsageResponse(int Accepted, int Duplicates, IReadOnlyList<string> DuplicateIds);

/// <param name="CostCents">Base fee plus the usage cost so far.</param>
/// <param name="ProjectedCostCents">Base fee plus the cost of the usage projected to the period's end.</param>
public sealed record UsageResponse(
    string Plan,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    IReadOnlyList<MetricUsageResponse> Metrics,
    string Currency,
    long BaseFeeCents,
    long CostCents,
    long ProjectedCostCents);

/// <param name="Status"><c>ok</c>; <c>warning</c> past the included quantity; <c>blocked</c> at a hard cap's limit.</param>
public sealed record MetricUsageResponse(
    string Metric,
    string Unit,
    long Used,
    long Included,
    long? Limit,
    long Remaining,
    long Overage,
    string Cap,
    string Status,
    long CostCents,
    long ProjectedUsed,
    long ProjectedCostCents);

/// <summary>The period's usage by hour, for the dashboard's charts.</summary>
public sealed record UsageHistoryResponse(DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, IReadOnlyList<UsageHistoryPoint> Points);

/// <param name="Cumulative">Usage up to the end of that hour: the running sum, or for gauges the running maximum (storage) or latest value (seats).</param>
public sealed record UsageHistoryPoint(string Metric, DateTimeOffset At, long Cumulative);
