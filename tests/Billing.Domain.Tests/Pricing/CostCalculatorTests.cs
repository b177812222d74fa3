using Billing.Domain.Catalog;
using Billing.Domain.Pricing;

namespace Billing.Domain.Tests.Pricing;

public sealed class CostCalculatorTests
{
    [Theory]
    // Free: hard caps without a price never bill, however far past the quota.
    [InlineData(PlanTier.Free, Metric.LlmTokens, 100_000, 0, 0)]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 100_001, 1, 0)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 25_000, 15_000, 0)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 3, 0, 0)]
    // Standard llm_tokens: $2.00 per 1M = 0.0002 cents a token.
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 5_000_000, 0, 0)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_000_000, 0, 0)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_000_001, 1, 0)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_002_499, 2_499, 0)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_002_500, 2_500, 1)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_007_500, 7_500, 2)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 11_000_000, 1_000_000, 200)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 11_500_000, 1_500_000, 300)]
    // Standard api_calls: $1.00 per 10k = 0.01 cents a call.
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_000_000, 0, 0)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_000_001, 1, 0)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_000_049, 49, 0)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_000_050, 50, 1)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_010_000, 10_000, 100)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_123_456, 123_456, 1_235)]
    // Standard agent_executions: $0.02 each.
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 10_000, 0, 0)]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 10_001, 1, 2)]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 10_250, 250, 500)]
    // Standard storage_mb: $0.10 per GB = 0.009765625 cents a MB.
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_400, 0, 0)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_401, 1, 0)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_451, 51, 0)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_452, 52, 1)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 103_424, 1_024, 10)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 112_640, 10_240, 100)]
    // Standard user_seats: hard cap, 20% grace, no price: grace seats are free.
    [InlineData(PlanTier.Standard, Metric.UserSeats, 25, 0, 0)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 26, 1, 0)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 30, 5, 0)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 31, 6, 0)]
    // Enterprise llm_tokens: $1.50 per 1M = 0.00015 cents a token.
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 100_000_001, 1, 0)]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 100_003_333, 3_333, 0)]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 100_003_334, 3_334, 1)]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 101_000_000, 1_000_000, 150)]
    // Enterprise api_calls: $0.50 per 10k = 0.005 cents a call.
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 20_000_099, 99, 0)]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 20_000_100, 100, 1)]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 20_010_000, 10_000, 50)]
    // Enterprise agent_executions: $0.01 each.
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 200_000, 0, 0)]
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 200_999, 999, 999)]
    // Enterprise storage_mb: $0.05 per GB = 0.0048828125 cents a MB.
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 1_048_678, 102, 0)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 1_048_679, 103, 1)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 1_049_600, 1_024, 5)]
    // Enterprise user_seats: soft, $10 a seat.
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 500, 0, 0)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 501, 1, 1_000)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 510, 10, 10_000)]
    public void Included_units_are_free_and_each_line_rounds_its_overage_to_whole_cents(
        PlanTier tier, Metric metric, long used, long expectedOverageUnits, long expectedAmountCents)
    {
        var quota = ShippedCatalog.Quota(tier, metric);

        var line = CostCalculator.Line(quota, used);

        Assert.Equal(
            new CostLine(metric, used, quota.Included, expectedOverageUnits, quota.Overage?.UnitPriceCents ?? 0, expectedAmountCents),
            line);
    }

    [Theory]
    [InlineData(25, 0)]
    [InlineData(30, 5_000)]
    [InlineData(31, 6_000)]
    public void A_hard_cap_with_a_price_bills_its_grace_units(long used, long expectedAmountCents)
    {
        var seats = new Quota(Metric.UserSeats, 25, CapMode.Hard, 20, new OveragePrice(1_000, 1));

        Assert.Equal(expectedAmountCents, CostCalculator.Line(seats, used).AmountCents);
    }

    [Fact]
    public void A_typical_standard_month_costs_the_base_fee_plus_each_rounded_line()
    {
        var usage = new Dictionary<Metric, long>
        {
            [Metric.LlmTokens] = 12_345_678, // 2,345,678 over × 0.0002 = 469.1356
            [Metric.ApiCalls] = 1_234_567, // 234,567 over × 0.01 = 2,345.67
            [Metric.AgentExecutions] = 10_500, // 500 over × 2 = 1,000
            [Metric.StorageMb] = 110_000, // 7,600 over × 0.009765625 = 74.21875
            [Metric.UserSeats] = 25,
        };

        var cost = CostCalculator.Compute(ShippedCatalog.Plan(PlanTier.Standard), usage);

        Assert.Equal([469L, 2_346L, 1_000L, 74L, 0L], cost.Lines.Select(line => line.AmountCents));
        Assert.Equal(9_900, cost.BaseFeeCents);
        Assert.Equal(3_889, cost.UsageCents);
        Assert.Equal(13_789, cost.TotalCents);
    }

    [Fact]
    public void Each_line_rounds_on_its_own_before_lines_are_added()
    {
        var usage = new Dictionary<Metric, long>
        {
            [Metric.LlmTokens] = 10_002_500, // 0.5 cents → 1
            [Metric.ApiCalls] = 1_000_050, // 0.5 cents → 1
        };

        var cost = CostCalculator.Compute(ShippedCatalog.Plan(PlanTier.Standard), usage);

        Assert.Equal(2, cost.UsageCents);
    }

    [Theory]
    [InlineData(PlanTier.Free, 0)]
    [InlineData(PlanTier.Standard, 9_900)]
    [InlineData(PlanTier.Enterprise, 99_900)]
    public void Missing_metrics_count_as_unused(PlanTier tier, long expectedTotalCents)
    {
        var cost = CostCalculator.Compute(ShippedCatalog.Plan(tier), new Dictionary<Metric, long>());

        Assert.Equal(MetricKeys.All, cost.Lines.Select(line => line.Metric));
        Assert.All(cost.Lines, line => Assert.Equal((0L, 0L, 0L), (line.Used, line.OverageUnits, line.AmountCents)));
        Assert.Equal(expectedTotalCents, cost.TotalCents);
    }

    [Fact]
    public void A_tenant_override_is_priced_like_any_plan()
    {
        var negotiated = new TenantOverrides(50_000, new Dictionary<Metric, QuotaOverride>
        {
            [Metric.LlmTokens] = new(null, null, null, new OveragePrice(100, 1_000_000)),
        });
        var plan = ShippedCatalog.Catalog.PlanFor(PlanTier.Enterprise, negotiated);

        var cost = CostCalculator.Compute(plan, new Dictionary<Metric, long> { [Metric.LlmTokens] = 103_000_000 });

        Assert.Equal(50_000 + 300, cost.TotalCents);
    }

    [Fact]
    public void Negative_usage_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(
            () => CostCalculator.Line(ShippedCatalog.Quota(PlanTier.Standard, Metric.ApiCalls), -1));
}
