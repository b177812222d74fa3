using Billing.Domain.Catalog;
using static Billing.Domain.Tests.Values;

namespace Billing.Domain.Tests.Catalog;

/// <summary>The shipped catalog.json against the plan table of PRODUCT.md.</summary>
public sealed class ShippedCatalogTests
{
    [Fact]
    public void Prices_are_in_us_dollars() => Assert.Equal("usd", ShippedCatalog.Catalog.Currency);

    [Theory]
    [InlineData(PlanTier.Free, "Free", 0, 0)]
    [InlineData(PlanTier.Standard, "Standard", 9_900, 7)]
    [InlineData(PlanTier.Enterprise, "Enterprise", 99_900, 14)]
    public void Each_plan_has_its_monthly_price_and_payment_grace(PlanTier tier, string name, long basePriceCents, int graceDays)
    {
        var plan = ShippedCatalog.Plan(tier);

        Assert.Equal(tier, plan.Tier);
        Assert.Equal(name, plan.Name);
        Assert.Equal(basePriceCents, plan.BasePriceCents);
        Assert.Equal(graceDays, plan.PaymentGraceDays);
        Assert.Equal(MetricKeys.All.Order(), plan.Quotas.Keys.Order());
    }

    [Theory]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 100_000, CapMode.Hard, "0", 100_000L, null, null, "0")]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 10_000, CapMode.Hard, "0", 10_000L, null, null, "0")]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 100, CapMode.Hard, "0", 100L, null, null, "0")]
    [InlineData(PlanTier.Free, Metric.StorageMb, 1_024, CapMode.Hard, "0", 1_024L, null, null, "0")]
    [InlineData(PlanTier.Free, Metric.UserSeats, 3, CapMode.Hard, "0", 3L, null, null, "0")]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_000_000, CapMode.Soft, "0", null, "200", 1_000_000L, "0.0002")]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_000_000, CapMode.Soft, "0", null, "100", 10_000L, "0.01")]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 10_000, CapMode.Soft, "0", null, "2", 1L, "2")]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_400, CapMode.Soft, "0", null, "10", 1_024L, "0.009765625")]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 25, CapMode.Hard, "20", 30L, null, null, "0")]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 100_000_000, CapMode.Soft, "0", null, "150", 1_000_000L, "0.00015")]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 20_000_000, CapMode.Soft, "0", null, "50", 10_000L, "0.005")]
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 200_000, CapMode.Soft, "0", null, "1", 1L, "1")]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 1_048_576, CapMode.Soft, "0", null, "5", 1_024L, "0.0048828125")]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 500, CapMode.Soft, "0", null, "1000", 1L, "1000")]
    public void Each_plan_and_metric_has_the_quota_of_the_product_table(
        PlanTier tier, Metric metric, long included, CapMode cap, string gracePercent, long? hardLimit,
        string? overageAmountCents, long? overagePerUnits, string unitPriceCents)
    {
        var quota = ShippedCatalog.Quota(tier, metric);

        Assert.Equal(metric, quota.Metric);
        Assert.Equal(included, quota.Included);
        Assert.Equal(cap, quota.Cap);
        Assert.Equal(Dec(gracePercent), quota.GracePercent);
        Assert.Equal(hardLimit, quota.HardLimit);
        Assert.Equal(
            overageAmountCents is null ? null : new OveragePrice(Dec(overageAmountCents), overagePerUnits!.Value),
            quota.Overage);
        Assert.Equal(Dec(unitPriceCents), quota.Overage?.UnitPriceCents ?? 0m);
    }
}
