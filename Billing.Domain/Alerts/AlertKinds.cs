namespace Billing.Domain.Alerts;

/// <summary>The wire names of alert kinds: <c>included</c> and <c>spend</c>.</summary>
public static class AlertKinds
{
    /// <summary>The lowercase key of <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined alert kind.</exception>
    public static string ToKey(this AlertKind kind) => kind switch
    {
        AlertKind.Included => "included",
        AlertKind.Spend => "spend",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown alert kind."),
    };
}
