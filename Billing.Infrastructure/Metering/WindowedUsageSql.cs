using Billing.Domain.Catalog;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// A tenant's usage over a time range as rows that cost what the range holds in hours, not in events: the hourly
/// roll-ups of <c>usage_aggregates_hourly</c> for the whole hours inside the range, the one-minute windows of
/// <c>usage_aggregates</c> for the whole minutes around them (at most two hours' worth), the events inside those minutes that aggregation
/// has not folded yet (a short backlog, plus set-aside events, which count in usage but are never billed), and the raw
/// events of the partial minutes at the range's two edges (at most two minutes of events). Each row carries the time
/// and id of its newest event, so a <c>last</c> gauge picks the same value as it would from the raw events.
/// </summary>
internal static class WindowedUsageSql
{
    /// <summary>The CTE <c>parts(metric, at, value, last_at, last_id)</c>; <c>at</c> is the window's start or the event's time.</summary>
    /// <param name="aggregatedOnly">Only what aggregation has folded (what submission may send): no pending events, edges likewise.</param>
    public static string Parts(bool aggregatedOnly) => $"""
        parts AS (
            SELECT metric, window_start AS at, value, last_event_at AS last_at, last_event_id AS last_id FROM usage_aggregates
            WHERE tenant_id = @tenant AND metric = ANY(@metrics) AND window_start >= @inner_start AND window_start < @hours_start
            UNION ALL
            SELECT metric, hour_start, value, last_event_at, last_event_id FROM usage_aggregates_hourly
            WHERE tenant_id = @tenant AND metric = ANY(@metrics) AND hour_start >= @hours_start AND hour_start < @hours_end
            UNION ALL
            SELECT metric, window_start, value, last_event_at, last_event_id FROM usage_aggregates
            WHERE tenant_id = @tenant AND metric = ANY(@metrics) AND window_start >= @hours_end AND window_start < @inner_end
            {(aggregatedOnly ? "" : """
            UNION ALL
            SELECT metric, occurred_at, value, occurred_at, id FROM usage_events
            WHERE tenant_id = @tenant AND metric = ANY(@metrics) AND aggregated_at IS NULL AND occurred_at >= @inner_start AND occurred_at < @inner_end
            """)}
            UNION ALL
            SELECT metric, occurred_at, value, occurred_at, id FROM usage_events
            WHERE tenant_id = @tenant AND metric = ANY(@metrics) AND occurred_at >= @start AND occurred_at < @head_end {(aggregatedOnly ? "AND aggregated_at IS NOT NULL" : "")}
            UNION ALL
            SELECT metric, occurred_at, value, occurred_at, id FROM usage_events
            WHERE tenant_id = @tenant AND metric = ANY(@metrics) AND occurred_at >= @tail_start AND occurred_at < @end {(aggregatedOnly ? "AND aggregated_at IS NOT NULL" : "")}
        )
        """;

    /// <summary>The metric's combination of the parts' values: counters sum, storage keeps its maximum, seats the newest value.</summary>
    public const string CombinedValue = """
        CASE WHEN metric = ANY(@sum) THEN sum(value)
             WHEN metric = ANY(@max) THEN max(value)
             ELSE (array_agg(value ORDER BY last_at DESC, last_id DESC))[1] END::bigint
        """;

    /// <summary>
    /// Binds the range, split at whole minutes and hours: [start, head_end) and [tail_start, end) are read raw, whole hours
    /// [hours_start, hours_end) from the roll-ups, the whole minutes around them from windows.
    /// </summary>
    public static void Bind(NpgsqlCommand command, Guid tenantId, DateTimeOffset start, DateTimeOffset end, IEnumerable<string> metrics)
    {
        var innerStart = CeilingToMinute(start);
        var innerEnd = FloorToMinute(end);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metrics", metrics.ToArray());
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        command.Parameters.AddWithValue("inner_start", innerStart.UtcDateTime);
        command.Parameters.AddWithValue("inner_end", innerEnd.UtcDateTime);
        // When the range lies within one minute there are no whole minutes: the head then covers it all and the tail nothing.
        command.Parameters.AddWithValue("head_end", (innerStart < end ? innerStart : end).UtcDateTime);
        command.Parameters.AddWithValue("tail_start", (innerEnd > innerStart ? innerEnd : innerStart).UtcDateTime);
        // No whole hour: the minute windows cover [inner_start, inner_end) alone.
        var hoursStart = Ceiling(innerStart, TimeSpan.TicksPerHour);
        var hoursEnd = Floor(innerEnd, TimeSpan.TicksPerHour);
        command.Parameters.AddWithValue("hours_start", (hoursStart < hoursEnd ? hoursStart : innerStart).UtcDateTime);
        command.Parameters.AddWithValue("hours_end", (hoursStart < hoursEnd ? hoursEnd : innerStart).UtcDateTime);
        command.Parameters.AddWithValue("sum", MetricSql.KeysWith(MetricAggregation.Sum));
        command.Parameters.AddWithValue("max", MetricSql.KeysWith(MetricAggregation.Max));
    }

    private static DateTimeOffset FloorToMinute(DateTimeOffset at) => Floor(at, TimeSpan.TicksPerMinute);

    private static DateTimeOffset CeilingToMinute(DateTimeOffset at) => Ceiling(at, TimeSpan.TicksPerMinute);

    private static DateTimeOffset Floor(DateTimeOffset at, long unit) => new(at.UtcTicks - at.UtcTicks % unit, TimeSpan.Zero);

    private static DateTimeOffset Ceiling(DateTimeOffset at, long unit) =>
        at.UtcTicks % unit == 0 ? at.ToUniversalTime() : Floor(at, unit).AddTicks(unit);
}
