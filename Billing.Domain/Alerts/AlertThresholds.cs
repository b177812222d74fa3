namespace Billing.Domain.Alerts;

/// <summary>The thresholds every alert is raised at: 50, 80 and 100 % of a limit.</summary>
public static class AlertThresholds
{
    public static IReadOnlyList<int> Percents { get; } = [50, 80, 100];

    /// <summary>
    /// The thresholds <paramref name="value"/> has reached (at or above), lowest first; none for a limit of 0 or less,
    /// which has no meaningful share. Computed in 128 bits: value × 100 may not fit a long.
    /// </summary>
    public static IReadOnlyList<int> Reached(long value, long limit) =>
        limit <= 0 ? [] : [.. Percents.Where(percent => (Int128)value * 100 >= (Int128)limit * percent)];
}
