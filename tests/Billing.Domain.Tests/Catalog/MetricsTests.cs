using Billing.Domain.Catalog;

namespace Billing.Domain.Tests.Catalog;

public sealed class MetricsTests
{
    [Theory]
    [InlineData(Metric.LlmTokens, "llm_tokens", "token", MetricKind.Counter, MetricAggregation.Sum)]
    [InlineData(Metric.ApiCalls, "api_calls", "call", MetricKind.Counter, MetricAggregation.Sum)]
    [InlineData(Metric.AgentExecutions, "agent_executions", "execution", MetricKind.Counter, MetricAggregation.Sum)]
    [InlineData(Metric.StorageMb, "storage_mb", "megabyte", MetricKind.Gauge, MetricAggregation.Max)]
    [InlineData(Metric.UserSeats, "user_seats", "seat", MetricKind.Gauge, MetricAggregation.Last)]
    public void Each_metric_is_defined_as_the_product_specifies(
        Metric metric, string key, string unit, MetricKind kind, MetricAggregation aggregation)
    {
        Assert.Equal(new MetricDefinition(metric, key, unit, kind, aggregation), Metrics.Get(metric));
        Assert.Equal(key, metric.ToKey());
    }

    [Fact]
    public void All_lists_every_metric_once_in_product_order()
    {
        Metric[] productOrder = [Metric.LlmTokens, Metric.ApiCalls, Metric.AgentExecutions, Metric.StorageMb, Metric.UserSeats];

        Assert.Equal(productOrder, MetricKeys.All);
        Assert.Equal(productOrder, Metrics.All.Select(d => d.Metric));
        Assert.Equal(Enum.GetValues<Metric>().Order(), MetricKeys.All.Order());
    }

    [Theory]
    [InlineData("llm_tokens", Metric.LlmTokens)]
    [InlineData("api_calls", Metric.ApiCalls)]
    [InlineData("agent_executions", Metric.AgentExecutions)]
    [InlineData("storage_mb", Metric.StorageMb)]
    [InlineData("user_seats", Metric.UserSeats)]
    public void Known_keys_parse(string key, Metric expected)
    {
        Assert.True(MetricKeys.TryParse(key, out var metric));
        Assert.Equal(expected, metric);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("tokens")]
    [InlineData("llm-tokens")]
    [InlineData(" llm_tokens")]
    [InlineData("LlmTokens")]
    [InlineData("0")]
    [InlineData("API_CALLS")]
    [InlineData("Storage_MB")]
    [InlineData("llm_tokenſ")]
    public void Unknown_or_differently_cased_keys_do_not_parse(string? key) => Assert.False(MetricKeys.TryParse(key, out _));

    [Theory]
    [InlineData("LLM_TOKENS", Metric.LlmTokens)]
    [InlineData("Storage_MB", Metric.StorageMb)]
    [InlineData("api_calls", Metric.ApiCalls)]
    public void Configuration_keys_parse_ignoring_case_as_configuration_does(string key, Metric expected)
    {
        Assert.True(MetricKeys.TryParseConfigurationKey(key, out var metric));
        Assert.Equal(expected, metric);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("tokens")]
    [InlineData("llm_tokens ")]
    public void Unknown_configuration_keys_do_not_parse(string? key) => Assert.False(MetricKeys.TryParseConfigurationKey(key, out _));

    [Fact]
    public void An_undefined_metric_has_no_key() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ((Metric)42).ToKey());
}
