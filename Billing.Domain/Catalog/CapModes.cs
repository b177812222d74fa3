namespace Billing.Domain.Catalog;

/// <summary>The wire names of cap modes: <c>hard</c> and <c>soft</c>.</summary>
public static class CapModes
{
    /// <summary>The lowercase key of <paramref name="cap"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined cap mode.</exception>
    public static string ToKey(this CapMode cap) => cap switch
    {
        CapMode.Hard => "hard",
        CapMode.Soft => "soft",
        _ => throw new ArgumentOutOfRangeException(nameof(cap), cap, "Unknown cap mode."),
    };

    /// <summary>Parses <c>hard</c> or <c>soft</c>, ignoring case.</summary>
    public static bool TryParse(string? key, out CapMode cap)
    {
        (var known, cap) = key?.ToLowerInvariant() switch
        {
            "hard" => (true, CapMode.Hard),
            "soft" => (true, CapMode.Soft),
            _ => (false, default),
        };
        return known;
    }
}
