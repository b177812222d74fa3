using Billing.Domain.Pricing;
using static Billing.Domain.Tests.Values;

namespace Billing.Domain.Tests.Pricing;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.0002", 0)]
    [InlineData("0.4999", 0)]
    [InlineData("0.5", 1)]
    [InlineData("0.5078125", 1)]
    [InlineData("1.5", 2)]
    [InlineData("2.5", 3)]
    [InlineData("99.5", 100)]
    [InlineData("123.49", 123)]
    [InlineData("-0.5", -1)]
    [InlineData("-2.5", -3)]
    [InlineData("-0.4999", 0)]
    public void Amounts_round_to_whole_cents_half_away_from_zero(string amountCents, long expected) =>
        Assert.Equal(expected, Money.RoundToCents(Dec(amountCents)));
}
