using Billing.Domain.Metering;
using static Billing.Domain.Tests.Values;

namespace Billing.Domain.Tests.Metering;

public sealed class BillingPeriodTests
{
    [Theory]
    [InlineData("2025-03-15T10:00:00Z", "2025-03-15T10:00:00Z", "2025-03-15T10:00:00Z", "2025-04-15T10:00:00Z")]
    [InlineData("2025-03-15T10:00:00Z", "2025-03-20T00:00:00Z", "2025-03-15T10:00:00Z", "2025-04-15T10:00:00Z")]
    [InlineData("2025-03-15T10:00:00Z", "2025-04-15T09:59:59Z", "2025-03-15T10:00:00Z", "2025-04-15T10:00:00Z")]
    [InlineData("2025-03-15T10:00:00Z", "2025-04-15T10:00:00Z", "2025-04-15T10:00:00Z", "2025-05-15T10:00:00Z")]
    [InlineData("2025-03-15T10:00:00Z", "2025-04-02T00:00:00Z", "2025-03-15T10:00:00Z", "2025-04-15T10:00:00Z")]
    [InlineData("2025-11-15T00:00:00Z", "2026-01-02T00:00:00Z", "2025-12-15T00:00:00Z", "2026-01-15T00:00:00Z")]
    [InlineData("2025-01-31T00:00:00Z", "2025-02-15T00:00:00Z", "2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z")]
    [InlineData("2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z", "2025-02-28T00:00:00Z", "2025-03-31T00:00:00Z")]
    [InlineData("2025-01-31T00:00:00Z", "2025-03-30T23:59:59Z", "2025-02-28T00:00:00Z", "2025-03-31T00:00:00Z")]
    [InlineData("2025-01-31T00:00:00Z", "2025-03-31T00:00:00Z", "2025-03-31T00:00:00Z", "2025-04-30T00:00:00Z")]
    [InlineData("2025-01-31T00:00:00Z", "2025-05-01T00:00:00Z", "2025-04-30T00:00:00Z", "2025-05-31T00:00:00Z")]
    [InlineData("2024-01-31T00:00:00Z", "2024-02-10T00:00:00Z", "2024-01-31T00:00:00Z", "2024-02-29T00:00:00Z")]
    [InlineData("2024-01-31T00:00:00Z", "2024-02-29T12:00:00Z", "2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z")]
    [InlineData("2024-02-29T08:00:00Z", "2025-02-28T08:00:00Z", "2025-02-28T08:00:00Z", "2025-03-29T08:00:00Z")]
    [InlineData("2024-02-29T08:00:00Z", "2024-03-30T00:00:00Z", "2024-03-29T08:00:00Z", "2024-04-29T08:00:00Z")]
    [InlineData("2025-08-31T00:00:00Z", "2025-10-15T00:00:00Z", "2025-09-30T00:00:00Z", "2025-10-31T00:00:00Z")]
    [InlineData("2020-01-31T06:00:00Z", "2030-06-15T00:00:00Z", "2030-05-31T06:00:00Z", "2030-06-30T06:00:00Z")]
    [InlineData("2025-03-01T00:00:00+02:00", "2025-03-15T00:00:00Z", "2025-02-28T22:00:00Z", "2025-03-28T22:00:00Z")]
    [InlineData("2025-03-15T10:00:00Z", "2025-04-15T12:00:00+02:00", "2025-04-15T10:00:00Z", "2025-05-15T10:00:00Z")]
    public void The_containing_period_counts_whole_months_from_the_anchor(
        string anchor, string instant, string expectedStart, string expectedEnd)
    {
        var period = BillingPeriod.Containing(Time(anchor), Time(instant));

        Assert.Equal(new BillingPeriod(Time(expectedStart), Time(expectedEnd)), period);
        Assert.Equal(TimeSpan.Zero, period.Start.Offset);
        Assert.Equal(TimeSpan.Zero, period.End.Offset);
        Assert.True(period.Contains(Time(instant)));
    }

    [Fact]
    public void An_instant_before_the_anchor_has_no_period() =>
        Assert.Throws<ArgumentOutOfRangeException>(
            () => BillingPeriod.Containing(Time("2025-03-15T10:00:00Z"), Time("2025-03-15T09:59:59Z")));

    [Theory]
    [InlineData("2025-03-01T00:00:00Z", true)]
    [InlineData("2025-03-31T23:59:59Z", true)]
    [InlineData("2025-04-01T00:00:00Z", false)]
    [InlineData("2025-02-28T23:59:59Z", false)]
    [InlineData("2025-03-01T01:00:00+02:00", false)]
    public void A_period_includes_its_start_and_excludes_its_end(string instant, bool expected)
    {
        var march = new BillingPeriod(Time("2025-03-01T00:00:00Z"), Time("2025-04-01T00:00:00Z"));

        Assert.Equal(expected, march.Contains(Time(instant)));
    }

    [Theory]
    [InlineData("2025-02-01T00:00:00Z", 28)]
    [InlineData("2024-02-01T00:00:00Z", 29)]
    [InlineData("2025-04-10T00:00:00Z", 30)]
    [InlineData("2025-01-31T00:00:00Z", 28)]
    [InlineData("2025-12-05T00:00:00Z", 31)]
    public void A_period_lasts_its_calendar_month(string anchor, int days) =>
        Assert.Equal(TimeSpan.FromDays(days), BillingPeriod.Containing(Time(anchor), Time(anchor)).Length);

    [Theory]
    [InlineData("2025-01-31T00:00:00Z")]
    [InlineData("2024-01-31T00:00:00Z")]
    [InlineData("2024-02-29T08:00:00Z")]
    [InlineData("2025-03-15T10:30:00Z")]
    [InlineData("2025-08-30T00:00:00Z")]
    [InlineData("2025-12-31T23:00:00Z")]
    [InlineData("2025-05-29T00:00:00Z")]
    public void Next_walks_the_same_periods_as_the_anchor_for_four_years(string anchor)
    {
        var period = BillingPeriod.Containing(Time(anchor), Time(anchor));
        for (var month = 1; month <= 48; month++)
        {
            var next = period.Next();

            Assert.Equal(BillingPeriod.Containing(Time(anchor), period.End), next);
            Assert.Equal(Time(anchor).ToUniversalTime().AddMonths(month), next.Start);
            period = next;
        }
    }
}
