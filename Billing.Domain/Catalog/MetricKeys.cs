namespace Billing.Domain.Catalog;

/// <summary>The wire names of metrics: configuration keys, API values and Stripe meter event names.</summary>
public static class MetricKeys
{
    private static readonly Dictionary<string, Metric> ByKey = new(StringComparer.OrdinalIgnoreCase)
    {
        ["llm_tokens"] = Metric.LlmTokens,
        ["api_calls"] = Metric.ApiCalls,
        ["agent_executions"] = Metric.AgentExecutions,
        ["storage_mb"] = Metric.StorageMb,
        ["user_seats"] = Metric.UserSeats,
    };

    /// <summary>Every metric, in the order the product lists them.</summary>
    public static IReadOnlyList<Metric> All { get; } =
        [Metric.LlmTokens, Metric.ApiCalls, Metric.AgentExecutions, Metric.StorageMb, Metric.UserSeats];

    /// <summary>The snake_case key of <paramref name="metric"/>, e.g. <c>llm_tokens</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined metric.</exception>
    public static string ToKey(this Metric metric) => metric switch
    {
        Metric.LlmTokens => "llm_tokens",
        Metric.ApiCalls => "api_calls",
        Metric.AgentExecutions => "agent_executions",
        Metric.StorageMb => "storage_mb",
        Metric.UserSeats => "user_seats",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };

    /// <summary>Parses a metric key, ignoring case; false for null, empty or unknown keys.</summary>
    public static bool TryParse(string? key, out Metric metric) =>
        ByKey.TryGetValue(key ?? string.Empty, out metric);
}
