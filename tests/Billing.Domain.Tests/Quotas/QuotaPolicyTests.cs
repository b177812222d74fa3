using Billing.Domain.Catalog;
using Billing.Domain.Quotas;

namespace Billing.Domain.Tests.Quotas;

public sealed class QuotaPolicyTests
{
    [Theory]
    // Free: hard caps without grace, so the limit is the included quantity.
    [InlineData(PlanTier.Free, Metric.LlmTokens, 50_000, 1, QuotaDecisionKind.Allow, 50_000, 100_000L)]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 99_999, 1, QuotaDecisionKind.Allow, 1, 100_000L)]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 0, 100_000, QuotaDecisionKind.Allow, 100_000, 100_000L)]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 100_000, 1, QuotaDecisionKind.Deny, 0, 100_000L)]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 99_999, 2, QuotaDecisionKind.Deny, 1, 100_000L)]
    [InlineData(PlanTier.Free, Metric.LlmTokens, 200_000, 0, QuotaDecisionKind.Deny, 0, 100_000L)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 5_000, 1, QuotaDecisionKind.Allow, 5_000, 10_000L)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 9_999, 1, QuotaDecisionKind.Allow, 1, 10_000L)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 0, 10_000, QuotaDecisionKind.Allow, 10_000, 10_000L)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 10_000, 1, QuotaDecisionKind.Deny, 0, 10_000L)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 9_999, 2, QuotaDecisionKind.Deny, 1, 10_000L)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 20_000, 0, QuotaDecisionKind.Deny, 0, 10_000L)]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 50, 1, QuotaDecisionKind.Allow, 50, 100L)]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 99, 1, QuotaDecisionKind.Allow, 1, 100L)]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 0, 100, QuotaDecisionKind.Allow, 100, 100L)]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 100, 1, QuotaDecisionKind.Deny, 0, 100L)]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 99, 2, QuotaDecisionKind.Deny, 1, 100L)]
    [InlineData(PlanTier.Free, Metric.AgentExecutions, 200, 0, QuotaDecisionKind.Deny, 0, 100L)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 512, 1, QuotaDecisionKind.Allow, 512, 1_024L)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 1_023, 1, QuotaDecisionKind.Allow, 1, 1_024L)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 0, 1_024, QuotaDecisionKind.Allow, 1_024, 1_024L)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 1_024, 1, QuotaDecisionKind.Deny, 0, 1_024L)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 1_023, 2, QuotaDecisionKind.Deny, 1, 1_024L)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 2_048, 0, QuotaDecisionKind.Deny, 0, 1_024L)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 1, 1, QuotaDecisionKind.Allow, 2, 3L)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 2, 1, QuotaDecisionKind.Allow, 1, 3L)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 0, 3, QuotaDecisionKind.Allow, 3, 3L)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 3, 1, QuotaDecisionKind.Deny, 0, 3L)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 2, 2, QuotaDecisionKind.Deny, 1, 3L)]
    [InlineData(PlanTier.Free, Metric.UserSeats, 6, 0, QuotaDecisionKind.Deny, 0, 3L)]
    // Standard: soft caps warn past the included quantity and never deny.
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 5_000_000, 1, QuotaDecisionKind.Allow, 5_000_000, null)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 9_999_999, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_000_000, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 30_000_000, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 500_000, 1, QuotaDecisionKind.Allow, 500_000, null)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 999_999, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 1_000_000, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.ApiCalls, 3_000_000, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 5_000, 1, QuotaDecisionKind.Allow, 5_000, null)]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 9_999, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 10_000, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.AgentExecutions, 30_000, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 51_200, 1, QuotaDecisionKind.Allow, 51_200, null)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_399, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 102_400, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Standard, Metric.StorageMb, 307_200, 1_000, QuotaDecisionKind.Warn, 0, null)]
    // Standard user_seats: 25 included, hard, 20% grace, so the limit is 30.
    [InlineData(PlanTier.Standard, Metric.UserSeats, 10, 1, QuotaDecisionKind.Allow, 20, 30L)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 24, 1, QuotaDecisionKind.Allow, 6, 30L)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 25, 1, QuotaDecisionKind.Warn, 5, 30L)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 29, 1, QuotaDecisionKind.Warn, 1, 30L)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 25, 5, QuotaDecisionKind.Warn, 5, 30L)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 30, 1, QuotaDecisionKind.Deny, 0, 30L)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 28, 3, QuotaDecisionKind.Deny, 2, 30L)]
    // Enterprise: every quota is soft.
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 50_000_000, 1, QuotaDecisionKind.Allow, 50_000_000, null)]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 99_999_999, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 100_000_000, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.LlmTokens, 300_000_000, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 10_000_000, 1, QuotaDecisionKind.Allow, 10_000_000, null)]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 19_999_999, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 20_000_000, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.ApiCalls, 60_000_000, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 100_000, 1, QuotaDecisionKind.Allow, 100_000, null)]
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 199_999, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 200_000, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.AgentExecutions, 600_000, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 524_288, 1, QuotaDecisionKind.Allow, 524_288, null)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 1_048_575, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 1_048_576, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 3_145_728, 1_000, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 250, 1, QuotaDecisionKind.Allow, 250, null)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 499, 1, QuotaDecisionKind.Allow, 1, null)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 500, 1, QuotaDecisionKind.Warn, 0, null)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 1_500, 1_000, QuotaDecisionKind.Warn, 0, null)]
    public void Each_plan_and_metric_allows_warns_and_denies_at_its_edges(
        PlanTier tier, Metric metric, long used, long amount, QuotaDecisionKind expected, long remaining, long? limit)
    {
        var quota = ShippedCatalog.Quota(tier, metric);

        var decision = QuotaPolicy.Evaluate(quota, used, amount);

        Assert.Equal(expected, decision.Kind);
        Assert.Equal(
            (metric, quota.Included, limit, used, remaining),
            (decision.Metric, decision.Included, decision.Limit, decision.Used, decision.Remaining));
        Assert.Equal(expected == QuotaDecisionKind.Allow, decision.Reason is null);
    }

    [Theory]
    [InlineData(CapMode.Hard, 9, QuotaDecisionKind.Allow)]
    [InlineData(CapMode.Hard, 10, QuotaDecisionKind.Warn)]
    [InlineData(CapMode.Hard, 14, QuotaDecisionKind.Warn)]
    [InlineData(CapMode.Hard, 15, QuotaDecisionKind.Deny)]
    [InlineData(CapMode.Hard, 20, QuotaDecisionKind.Deny)]
    [InlineData(CapMode.Soft, 9, QuotaDecisionKind.Allow)]
    [InlineData(CapMode.Soft, 10, QuotaDecisionKind.Warn)]
    [InlineData(CapMode.Soft, 1_000, QuotaDecisionKind.Warn)]
    public void A_pure_check_asks_whether_one_more_unit_fits(CapMode cap, long used, QuotaDecisionKind expected)
    {
        // 10 included; the hard cap's 50% grace puts its limit at 15.
        var quota = new Quota(Metric.AgentExecutions, 10, cap, 50, new OveragePrice(1, 1));

        Assert.Equal(expected, QuotaPolicy.Evaluate(quota, used, 0).Kind);
        Assert.Equal(QuotaPolicy.Evaluate(quota, used, 1), QuotaPolicy.Evaluate(quota, used, 0));
    }

    [Theory]
    // Free storage: 1,024 MB, hard, no grace.
    [InlineData(PlanTier.Free, Metric.StorageMb, 0, QuotaDecisionKind.Allow, 1_024)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 1_024, QuotaDecisionKind.Allow, 0)]
    [InlineData(PlanTier.Free, Metric.StorageMb, 1_025, QuotaDecisionKind.Deny, 0)]
    // Standard seats: 25 included, hard with 20 % grace up to 30.
    [InlineData(PlanTier.Standard, Metric.UserSeats, 25, QuotaDecisionKind.Allow, 5)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 26, QuotaDecisionKind.Warn, 4)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 30, QuotaDecisionKind.Warn, 0)]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 31, QuotaDecisionKind.Deny, 0)]
    // Enterprise seats: soft, so a level past the included 500 warns and is billed.
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 500, QuotaDecisionKind.Allow, 0)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 5_000, QuotaDecisionKind.Warn, 0)]
    public void A_gauge_level_is_compared_with_the_quota_as_it_is(PlanTier tier, Metric metric, long level, QuotaDecisionKind expected, long remaining)
    {
        var decision = QuotaPolicy.EvaluateLevel(ShippedCatalog.Quota(tier, metric), level);

        Assert.Equal((expected, level, remaining), (decision.Kind, decision.Used, decision.Remaining));
        Assert.Equal(expected == QuotaDecisionKind.Allow, decision.Reason is null);
    }

    [Fact]
    public void A_negative_level_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => QuotaPolicy.EvaluateLevel(ShippedCatalog.Quota(PlanTier.Free, Metric.UserSeats), -1));

    [Theory]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 9_999, 1, null)]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 10_000, 1, "api_calls would reach 10001, past its limit of 10000.")]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 10_000_000, 500, "llm_tokens is past its included 10000000; the overage is billed.")]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 26, 1, "user_seats is past its included 25 and inside the grace up to 30.")]
    [InlineData(PlanTier.Standard, Metric.UserSeats, 29, 2, "user_seats would reach 31, past its limit of 30.")]
    public void Warnings_and_denials_say_why(PlanTier tier, Metric metric, long used, long amount, string? reason) =>
        Assert.Equal(reason, QuotaPolicy.Evaluate(ShippedCatalog.Quota(tier, metric), used, amount).Reason);

    [Theory]
    [InlineData(CapMode.Hard, QuotaDecisionKind.Deny)]
    [InlineData(CapMode.Soft, QuotaDecisionKind.Warn)]
    public void Requests_that_would_overflow_are_decided_not_crashed(CapMode cap, QuotaDecisionKind expected)
    {
        var quota = new Quota(Metric.LlmTokens, 1_000, cap, 0, new OveragePrice(200, 1_000_000));

        Assert.Equal(expected, QuotaPolicy.Evaluate(quota, long.MaxValue - 1, long.MaxValue).Kind);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    public void Negative_usage_or_amounts_are_rejected(long used, long amount) =>
        Assert.Throws<ArgumentOutOfRangeException>(
            () => QuotaPolicy.Evaluate(ShippedCatalog.Quota(PlanTier.Free, Metric.ApiCalls), used, amount));

    [Theory]
    [InlineData(QuotaDecisionKind.Allow, "allow")]
    [InlineData(QuotaDecisionKind.Warn, "warn")]
    [InlineData(QuotaDecisionKind.Deny, "deny")]
    public void Decisions_have_the_api_names(QuotaDecisionKind kind, string key) => Assert.Equal(key, kind.ToKey());
}
