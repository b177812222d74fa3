using Billing.Domain.Catalog;

namespace Billing.Domain.Metering;

/// <summary>Estimates end-of-period usage from usage so far.</summary>
public static class UsageProjection
{
    /// <summary>Below this much elapsed time a linear extrapolation multiplies noise (1 call in 1 minute is 43,200 a month).</summary>
    public static readonly TimeSpan MinimumElapsed = TimeSpan.FromHours(1);

    /// <summary>
    /// Counters extrapolate linearly over the elapsed share of the period, rounded up, never below <paramref name="used"/> and
    /// never past <see cref="UsageEventRules.MaxPeriodTotal"/> unless <paramref name="used"/> already is;
    /// gauges, before <see cref="MinimumElapsed"/> has passed and after the period has ended, stay at <paramref name="used"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="used"/> is negative.</exception>
    public static long Project(MetricKind kind, long used, BillingPeriod period, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(used);
        var elapsed = now - period.Start;
        if (kind == MetricKind.Gauge || elapsed < MinimumElapsed || now >= period.End)
        {
            return used;
        }

        // Exact in 128 bits (a decimal overflows past some 3·10^15 units times a month of ticks). A period never holds more
        // than its total limit, so neither does its projection, whose cost then fits a long.
        var projected = (((Int128)used * period.Length.Ticks) + elapsed.Ticks - 1) / elapsed.Ticks;
        return projected >= UsageEventRules.MaxPeriodTotal ? Math.Max(used, UsageEventRules.MaxPeriodTotal) : Math.Max(used, (long)projected);
    }
}
