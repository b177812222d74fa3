namespace Billing.Domain.Metering;

/// <summary>
/// How usage is cut into Stripe meter events. Counters go as one event per (tenant, metric, 5-minute bucket),
/// split where a billing period starts inside the bucket so each part is billed in its own period. Gauges go as
/// the period's value, stamped later than anything submitted before in the period, so Stripe's <c>last</c>
/// formula bills it. Stripe's timestamps are whole seconds and its summaries take minute-aligned ranges, which
/// is why a part that starts at a period boundary is stamped at the next whole minute.
/// </summary>
public static class MeterBuckets
{
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(5);

    public static DateTimeOffset Floor(DateTimeOffset instant) => Truncate(instant, Length);

    public static DateTimeOffset CeilingToMinute(DateTimeOffset instant)
    {
        var floor = Truncate(instant, TimeSpan.FromMinutes(1));
        return floor == instant.ToUniversalTime() ? floor : floor.AddMinutes(1);
    }

    /// <summary>Buckets that end at or before the result are closed: their minutes have had <paramref name="settle"/> to be aggregated.</summary>
    public static DateTimeOffset ClosedBefore(DateTimeOffset now, TimeSpan settle) => Floor(now - settle);

    /// <summary>The bucket starting at <paramref name="bucketStart"/>, cut at every boundary strictly inside it.</summary>
    public static IReadOnlyList<MeterBucketPart> Split(DateTimeOffset bucketStart, IEnumerable<DateTimeOffset> boundaries)
    {
        var end = bucketStart + Length;
        var cuts = boundaries.Where(b => b > bucketStart && b < end).Distinct().Order().ToList();
        var parts = new List<MeterBucketPart>(cuts.Count + 1);
        var start = bucketStart;
        foreach (var cut in cuts.Append(end))
        {
            parts.Add(new MeterBucketPart(start, cut, start == bucketStart ? bucketStart : CeilingToMinute(start)));
            start = cut;
        }

        return parts;
    }

    /// <summary>Stripe's <c>identifier</c> (at most 100 characters), the same on every resend of the row.</summary>
    public static string Identifier(Guid tenantId, string metric, DateTimeOffset partStart, int revision) =>
        $"bk_{tenantId:N}_{metric}_{partStart.ToUnixTimeMilliseconds()}_{revision}";

    /// <summary>
    /// The timestamp of a gauge's period value: in the bucket of its latest data, never before the period's first
    /// whole minute, after the period's previous submission (<paramref name="previous"/>), and inside the period.
    /// </summary>
    public static DateTimeOffset GaugeTimestamp(BillingPeriod period, DateTimeOffset latestData, DateTimeOffset? previous)
    {
        var stamp = Max(Floor(latestData), CeilingToMinute(period.Start));
        if (previous is { } before && stamp <= before)
        {
            stamp = Truncate(before, TimeSpan.FromSeconds(1)).AddSeconds(1);
        }

        var last = Truncate(period.End.AddTicks(-1), TimeSpan.FromSeconds(1));
        return stamp > last ? last : stamp;
    }

    /// <summary>
    /// The minute-aligned range of Stripe meter events that carries the period's usage up to <paramref name="until"/>
    /// (a closed-bucket cutoff): null while the period has nothing comparable yet.
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End)? StripeRange(BillingPeriod period, DateTimeOffset until)
    {
        var start = CeilingToMinute(period.Start);
        var end = until >= period.End ? CeilingToMinute(period.End) : until;
        return start < end ? (start, end) : null;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Truncate(DateTimeOffset instant, TimeSpan unit)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % unit.Ticks), TimeSpan.Zero);
    }
}

/// <summary>A part of a bucket, <see cref="Start"/> inclusive, <see cref="End"/> exclusive, sent with <see cref="Timestamp"/>.</summary>
public readonly record struct MeterBucketPart(DateTimeOffset Start, DateTimeOffset End, DateTimeOffset Timestamp);
