using Billing.Domain.Catalog;
using static Billing.Domain.Tests.Values;

namespace Billing.Domain.Tests.Catalog;

public sealed class QuotaTests
{
    [Theory]
    [InlineData(100_000, "0", 100_000)]
    [InlineData(25, "20", 30)]
    [InlineData(3, "50", 4)]
    [InlineData(7, "10", 7)]
    [InlineData(10, "33.33", 13)]
    [InlineData(1_000, "100", 2_000)]
    [InlineData(0, "100", 0)]
    public void A_hard_cap_blocks_past_included_plus_grace_rounded_down(long included, string gracePercent, long expectedLimit)
    {
        var quota = new Quota(Metric.UserSeats, included, CapMode.Hard, Dec(gracePercent), null);

        Assert.Equal(expectedLimit, quota.HardLimit);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("20")]
    public void A_soft_cap_has_no_hard_limit(string gracePercent)
    {
        var quota = new Quota(Metric.LlmTokens, 1_000, CapMode.Soft, Dec(gracePercent), new OveragePrice(200, 1_000_000));

        Assert.Null(quota.HardLimit);
    }

    [Theory]
    [InlineData("200", 1_000_000, "0.0002")]
    [InlineData("150", 1_000_000, "0.00015")]
    [InlineData("100", 10_000, "0.01")]
    [InlineData("10", 1_024, "0.009765625")]
    [InlineData("1000", 1, "1000")]
    public void The_unit_price_is_the_amount_spread_over_its_units(string amountCents, long perUnits, string expected)
    {
        Assert.Equal(Dec(expected), new OveragePrice(Dec(amountCents), perUnits).UnitPriceCents);
    }

    [Fact]
    public void Pricing_a_quantity_divides_last_so_repeating_fractions_stay_exact()
    {
        var thirdOfACent = new OveragePrice(1, 3);

        Assert.Equal(1m, thirdOfACent.PriceOf(3));
        Assert.Equal(1_000_000m, thirdOfACent.PriceOf(3_000_000));
    }
}
