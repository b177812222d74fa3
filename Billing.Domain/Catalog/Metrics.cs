namespace Billing.Domain.Catalog;

/// <summary>
/// The metric definitions. They live in code, not configuration, because they are the product's vocabulary:
/// renaming or re-aggregating one changes meaning for stored events and Stripe meters alike.
/// </summary>
public static class Metrics
{
    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        new(Metric.LlmTokens, "llm_tokens", "token", MetricKind.Counter, MetricAggregation.Sum),
        new(Metric.ApiCalls, "api_calls", "call", MetricKind.Counter, MetricAggregation.Sum),
        new(Metric.AgentExecutions, "agent_executions", "execution", MetricKind.Counter, MetricAggregation.Sum),
        new(Metric.StorageMb, "storage_mb", "megabyte", MetricKind.Gauge, MetricAggregation.Max),
        new(Metric.UserSeats, "user_seats", "seat", MetricKind.Gauge, MetricAggregation.Last),
    ];

    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined metric.</exception>
    public static MetricDefinition Get(Metric metric) =>
        All.FirstOrDefault(d => d.Metric == metric)
        ?? throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric.");
}
