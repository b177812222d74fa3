using Billing.Domain.Catalog;

namespace Billing.Domain.Tests.Catalog;

public sealed class PlanTiersTests
{
    [Theory]
    [InlineData(PlanTier.Free, "free")]
    [InlineData(PlanTier.Standard, "standard")]
    [InlineData(PlanTier.Enterprise, "enterprise")]
    public void Each_tier_round_trips_through_its_key(PlanTier tier, string key)
    {
        Assert.Equal(key, tier.ToKey());
        Assert.True(PlanTiers.TryParse(key, out var parsed));
        Assert.Equal(tier, parsed);
    }

    [Theory]
    [InlineData("FREE", PlanTier.Free)]
    [InlineData("Standard", PlanTier.Standard)]
    [InlineData("enterPRISE", PlanTier.Enterprise)]
    public void Tier_keys_parse_ignoring_case(string key, PlanTier expected)
    {
        Assert.True(PlanTiers.TryParse(key, out var tier));
        Assert.Equal(expected, tier);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("gold")]
    [InlineData("1")]
    [InlineData("pro")]
    public void Unknown_tier_keys_do_not_parse(string? key) => Assert.False(PlanTiers.TryParse(key, out _));

    [Theory]
    [InlineData("hard", CapMode.Hard)]
    [InlineData("soft", CapMode.Soft)]
    [InlineData("HARD", CapMode.Hard)]
    [InlineData("Soft", CapMode.Soft)]
    public void Cap_modes_parse_ignoring_case_and_round_trip(string key, CapMode expected)
    {
        Assert.True(CapModes.TryParse(key, out var cap));
        Assert.Equal(expected, cap);
        Assert.Equal(key.ToLowerInvariant(), cap.ToKey());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("capped")]
    [InlineData("0")]
    public void Unknown_cap_modes_do_not_parse(string? key) => Assert.False(CapModes.TryParse(key, out _));
}
