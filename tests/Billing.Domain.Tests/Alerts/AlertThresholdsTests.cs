using Billing.Domain.Alerts;

namespace Billing.Domain.Tests.Alerts;

public sealed class AlertThresholdsTests
{
    [Theory]
    [InlineData(0, 100, new int[0])]
    [InlineData(49, 100, new int[0])]
    [InlineData(50, 100, new[] { 50 })]
    [InlineData(79, 100, new[] { 50 })]
    [InlineData(80, 100, new[] { 50, 80 })]
    [InlineData(99, 100, new[] { 50, 80 })]
    [InlineData(100, 100, new[] { 50, 80, 100 })]
    [InlineData(250, 100, new[] { 50, 80, 100 })]
    // Exact shares, no rounding: 4,999,999 of 10,000,000 is below half.
    [InlineData(4_999_999, 10_000_000, new int[0])]
    [InlineData(5_000_000, 10_000_000, new[] { 50 })]
    [InlineData(2, 3, new[] { 50 })]
    // No meaningful share of nothing.
    [InlineData(10, 0, new int[0])]
    [InlineData(10, -1, new int[0])]
    // value × 100 overflows a long; the comparison must not.
    [InlineData(long.MaxValue, long.MaxValue, new[] { 50, 80, 100 })]
    [InlineData(long.MaxValue / 2, long.MaxValue, new int[0])]
    public void Reached_lists_every_threshold_at_or_below_the_share(long value, long limit, int[] expected) =>
        Assert.Equal(expected, AlertThresholds.Reached(value, limit));
}
