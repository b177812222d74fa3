namespace Billing.Domain.Catalog;

/// <summary>The wire names of metrics: configuration keys, API values and Stripe meter event names.</summary>
public static class MetricKeys
{
    // Keys are exact on the wire (API_CALLS is not api_calls): a key is a Stripe meter event name, and one metric
    // reachable under several spellings would be counted under several idempotency and reporting names.
    private static readonly Dictionary<string, Metric> ByKey = new(StringComparer.Ordinal)
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

    /// <summary>Parses a metric key exactly as <see cref="ToKey"/> writes it; false for null, empty, unknown or differently cased keys.</summary>
    public static bool TryParse(string? key, out Metric metric) =>
        ByKey.TryGetValue(key ?? string.Empty, out metric);

    /// <summary>
    /// Parses a metric key of the catalog configuration, ignoring case: .NET configuration keys are case-insensitive
    /// (an environment variable <c>Catalog__Plans__free__Quotas__LLM_TOKENS__Included</c> sets the same value as the JSON).
    /// </summary>
    public static bool TryParseConfigurationKey(string? key, out Metric metric)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToKey(), key, StringComparison.OrdinalIgnoreCase))
            {
                metric = candidate;
                return true;
            }
        }

        metric = default;
        return false;
    }
}
