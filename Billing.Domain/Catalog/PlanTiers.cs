namespace Billing.Domain.Catalog;

/// <summary>The wire names of plan tiers: <c>free</c>, <c>standard</c>, <c>enterprise</c>.</summary>
public static class PlanTiers
{
    /// <summary>Every tier, cheapest first.</summary>
    public static IReadOnlyList<PlanTier> All { get; } = [PlanTier.Free, PlanTier.Standard, PlanTier.Enterprise];

    /// <summary>The lowercase key of <paramref name="tier"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined tier.</exception>
    public static string ToKey(this PlanTier tier) => tier switch
    {
        PlanTier.Free => "free",
        PlanTier.Standard => "standard",
        PlanTier.Enterprise => "enterprise",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown plan tier."),
    };

    /// <summary>Parses a tier key, ignoring case; false for null, empty, numeric or unknown keys.</summary>
    public static bool TryParse(string? key, out PlanTier tier)
    {
        tier = default;
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToKey(), key, StringComparison.OrdinalIgnoreCase))
            {
                tier = candidate;
                return true;
            }
        }

        return false;
    }
}
