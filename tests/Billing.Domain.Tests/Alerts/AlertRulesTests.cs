using System.Collections.Frozen;
using Billing.Domain.Alerts;
using Billing.Domain.Catalog;
using Billing.Domain.Pricing;

namespace Billing.Domain.Tests.Alerts;

public sealed class AlertRulesTests
{
    private static readonly Plan Standard = ShippedCatalog.Plan(PlanTier.Standard);

    [Fact]
    public void Each_metric_is_measured_against_its_included_quantity()
    {
        var usage = new Dictionary<Metric, long> { [Metric.LlmTokens] = 8_000_000, [Metric.ApiCalls] = 499_999, [Metric.UserSeats] = 25 };

        var crossings = AlertRules.Crossings(Standard, usage, spendLimitCents: null);

        Assert.Equal(
            [new ThresholdCrossing(AlertKind.Included, Metric.LlmTokens, 50, 8_000_000, 10_000_000),
             new ThresholdCrossing(AlertKind.Included, Metric.LlmTokens, 80, 8_000_000, 10_000_000),
             new ThresholdCrossing(AlertKind.Included, Metric.UserSeats, 50, 25, 25),
             new ThresholdCrossing(AlertKind.Included, Metric.UserSeats, 80, 25, 25),
             new ThresholdCrossing(AlertKind.Included, Metric.UserSeats, 100, 25, 25)],
            crossings);
    }

    [Fact]
    public void Metrics_with_nothing_included_or_no_quota_raise_nothing()
    {
        var quotas = Standard.Quotas.ToDictionary();
        quotas[Metric.AgentExecutions] = quotas[Metric.AgentExecutions] with { Included = 0 };
        quotas.Remove(Metric.StorageMb);
        var plan = Standard with { Quotas = quotas.ToFrozenDictionary() };
        var usage = new Dictionary<Metric, long> { [Metric.AgentExecutions] = 1_000, [Metric.StorageMb] = 1_000_000 };

        Assert.Empty(AlertRules.Crossings(plan, usage, spendLimitCents: null));
    }

    [Fact]
    public void Spend_is_the_base_fee_plus_usage_cost_as_the_usage_api_prices_it()
    {
        var usage = new Dictionary<Metric, long> { [Metric.AgentExecutions] = 10_250, [Metric.LlmTokens] = 11_000_000 };

        var spend = AlertRules.Crossings(Standard, usage, spendLimitCents: 12_500).Where(c => c.Kind == AlertKind.Spend).ToList();

        // 9,900 base + 250 executions × 2 cents + 1,000,000 tokens at $2.00 per 1M = 9,900 + 500 + 200.
        Assert.Equal(10_600, CostCalculator.Compute(Standard, usage).TotalCents);
        Assert.Equal(
            [new ThresholdCrossing(AlertKind.Spend, null, 50, 10_600, 12_500), new ThresholdCrossing(AlertKind.Spend, null, 80, 10_600, 12_500)],
            spend);
    }
}
