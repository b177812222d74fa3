using Billing.Domain.Catalog;

namespace Billing.Domain.Metering;

/// <summary>Estimates end-of-period usage from usage so far.</summary>
public static class UsageProjection
{
    /// <summary>Below this much elapsed time a linear extrapolation multiplies noise (1 call in 1 minute is 43,200 a month).</summary>
    public static readonly TimeSpan MinimumElapsed = TimeSpan.FromHours(1);

    /// <summary>
    /// Counters extrapolate linearly over the elapsed share of the period, rounded up and never below <paramref name="used"/>;
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

        var projected = decimal.Ceiling((decimal)used * period.Length.Ticks / elapsed.Ticks);
        return projected >= long.MaxValue ? long.MaxValue : Math.Max(used, (long)projected);
    }
}
