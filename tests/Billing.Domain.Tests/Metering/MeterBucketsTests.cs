using Billing.Domain.Metering;
using static Billing.Domain.Tests.Values;

namespace Billing.Domain.Tests.Metering;

public sealed class MeterBucketsTests
{
    [Theory]
    [InlineData("2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z")]
    [InlineData("2026-11-25T10:04:59.999Z", "2026-11-25T10:00:00Z")]
    [InlineData("2026-11-25T10:05:00Z", "2026-11-25T10:05:00Z")]
    [InlineData("2026-11-25T12:07:30+02:00", "2026-11-25T10:05:00Z")]
    public void Buckets_are_five_utc_minutes(string instant, string bucket) =>
        Assert.Equal(Time(bucket), MeterBuckets.Floor(Time(instant)));

    [Theory]
    [InlineData("2026-11-25T10:06:00Z", 60, "2026-11-25T10:05:00Z")]
    [InlineData("2026-11-25T10:05:59Z", 60, "2026-11-25T10:00:00Z")]
    [InlineData("2026-11-25T10:06:00Z", 0, "2026-11-25T10:05:00Z")]
    public void A_bucket_closes_once_its_last_minute_has_had_time_to_settle(string now, int settleSeconds, string closedBefore) =>
        Assert.Equal(Time(closedBefore), MeterBuckets.ClosedBefore(Time(now), TimeSpan.FromSeconds(settleSeconds)));

    [Fact]
    public void A_bucket_without_a_boundary_inside_is_one_part_stamped_at_its_start()
    {
        var bucket = Time("2026-11-25T10:00:00Z");

        var parts = MeterBuckets.Split(bucket, [Time("2026-11-25T10:00:00Z"), Time("2026-11-25T10:05:00Z"), Time("2026-12-25T10:02:00Z")]);

        Assert.Equal([new MeterBucketPart(bucket, bucket.AddMinutes(5), bucket)], parts);
    }

    [Fact]
    public void A_period_starting_inside_a_bucket_cuts_it_and_its_part_is_stamped_at_the_next_whole_minute()
    {
        var bucket = Time("2026-11-25T10:00:00Z");
        var boundary = Time("2026-11-25T10:02:33.250Z");

        var parts = MeterBuckets.Split(bucket, [boundary, boundary]);

        Assert.Equal(
            [new MeterBucketPart(bucket, boundary, bucket), new MeterBucketPart(boundary, bucket.AddMinutes(5), Time("2026-11-25T10:03:00Z"))],
            parts);
    }

    [Fact]
    public void A_boundary_on_a_whole_minute_stamps_its_part_at_the_boundary()
    {
        var parts = MeterBuckets.Split(Time("2026-11-25T10:00:00Z"), [Time("2026-11-25T10:04:00Z")]);

        Assert.Equal(Time("2026-11-25T10:04:00Z"), parts[1].Timestamp);
    }

    [Fact]
    public void Identifiers_are_deterministic_distinct_per_part_and_revision_and_fit_stripes_limit()
    {
        var tenant = Guid.Parse("0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b");
        var at = Time("2026-11-25T10:02:33.250Z");

        var first = MeterBuckets.Identifier(tenant, "agent_executions", at, 0);

        Assert.Equal("bk_0193a2b45c6d7e8f9a0b1c2d3e4f5a6b_agent_executions_1795600953250_0", first);
        Assert.Equal(first, MeterBuckets.Identifier(tenant, "agent_executions", at, 0));
        Assert.NotEqual(first, MeterBuckets.Identifier(tenant, "agent_executions", at, 1));
        Assert.NotEqual(first, MeterBuckets.Identifier(tenant, "agent_executions", at.AddMinutes(5), 0));
        Assert.True(MeterBuckets.Identifier(tenant, "agent_executions", DateTimeOffset.MaxValue, int.MaxValue).Length <= 100);
    }

    private static readonly BillingPeriod Period = new(Time("2026-11-25T10:02:33Z"), Time("2026-12-25T10:02:33Z"));

    [Theory]
    [InlineData("2026-11-28T08:17:10Z", null, "2026-11-28T08:15:00Z")]
    [InlineData("2026-11-25T10:02:40Z", null, "2026-11-25T10:03:00Z")]
    [InlineData("2026-11-28T08:17:10Z", "2026-11-28T08:15:00Z", "2026-11-28T08:15:01Z")]
    [InlineData("2026-11-28T08:17:10Z", "2026-11-28T08:15:00.400Z", "2026-11-28T08:15:01Z")]
    [InlineData("2026-11-28T08:17:10Z", "2026-11-28T08:10:00Z", "2026-11-28T08:15:00Z")]
    [InlineData("2026-12-25T10:02:20Z", null, "2026-12-25T10:00:00Z")]
    [InlineData("2026-12-25T10:02:20Z", "2026-12-25T10:02:32Z", "2026-12-25T10:02:32Z")]
    public void A_gauge_value_is_stamped_in_its_bucket_after_the_previous_one_and_inside_the_period(string latest, string? previous, string expected) =>
        Assert.Equal(Time(expected), MeterBuckets.GaugeTimestamp(Period, Time(latest), previous is null ? null : Time(previous)));

    [Theory]
    [InlineData("2026-11-25T10:00:00Z", null, null)]
    [InlineData("2026-11-25T10:05:00Z", "2026-11-25T10:03:00Z", "2026-11-25T10:05:00Z")]
    [InlineData("2026-11-25T10:10:00Z", "2026-11-25T10:03:00Z", "2026-11-25T10:10:00Z")]
    [InlineData("2026-12-25T10:05:00Z", "2026-11-25T10:03:00Z", "2026-12-25T10:03:00Z")]
    [InlineData("2027-01-01T00:00:00Z", "2026-11-25T10:03:00Z", "2026-12-25T10:03:00Z")]
    public void Stripes_range_for_a_period_starts_and_ends_on_whole_minutes(string until, string? start, string? end)
    {
        var range = MeterBuckets.StripeRange(Period, Time(until));

        Assert.Equal(start is null ? null : (Time(start), Time(end!)), range);
    }
}
