using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using static Billing.Domain.Tests.Values;

namespace Billing.Domain.Tests.Metering;

public sealed class UsageProjectionTests
{
    // April 2025: 30 days, 720 hours.
    private static readonly BillingPeriod April = new(Time("2025-04-01T00:00:00Z"), Time("2025-05-01T00:00:00Z"));

    [Theory]
    [InlineData(1_000, "2025-04-16T00:00:00Z", 2_000)]
    [InlineData(1_000, "2025-04-11T00:00:00Z", 3_000)]
    [InlineData(1, "2025-04-08T00:00:00Z", 5)]
    [InlineData(7, "2025-04-30T00:00:00Z", 8)]
    [InlineData(0, "2025-04-20T00:00:00Z", 0)]
    [InlineData(2, "2025-04-01T01:00:00Z", 1_440)]
    [InlineData(1_000_000_000_000, "2025-04-01T01:00:00Z", 720_000_000_000_000)]
    [InlineData(1_000, "2025-04-16T02:00:00+02:00", 2_000)]
    [InlineData(100_000_000_000_000, "2025-04-01T01:00:00Z", UsageEventRules.MaxPeriodTotal)]
    [InlineData(UsageEventRules.MaxPeriodTotal, "2025-04-01T01:00:00Z", UsageEventRules.MaxPeriodTotal)]
    public void A_counter_extrapolates_over_the_elapsed_share_rounding_up_to_at_most_a_periods_total(long used, string now, long expected) =>
        Assert.Equal(expected, UsageProjection.Project(MetricKind.Counter, used, April, Time(now)));

    [Theory]
    [InlineData("2025-04-01T00:59:59Z")]
    [InlineData("2025-04-01T00:00:00Z")]
    [InlineData("2025-03-31T12:00:00Z")]
    [InlineData("2025-05-01T00:00:00Z")]
    [InlineData("2025-06-01T00:00:00Z")]
    public void A_counter_stays_at_its_usage_in_the_first_hour_and_once_the_period_is_over(string now) =>
        Assert.Equal(1_000, UsageProjection.Project(MetricKind.Counter, 1_000, April, Time(now)));

    [Theory]
    [InlineData(500, "2025-04-02T00:00:00Z")]
    [InlineData(500, "2025-04-29T00:00:00Z")]
    [InlineData(0, "2025-04-15T00:00:00Z")]
    public void A_gauge_stays_at_its_current_level(long used, string now) =>
        Assert.Equal(used, UsageProjection.Project(MetricKind.Gauge, used, April, Time(now)));

    [Fact]
    public void Negative_usage_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(
            () => UsageProjection.Project(MetricKind.Counter, -1, April, Time("2025-04-15T00:00:00Z")));
}
