namespace Billing.Infrastructure.Metering;

/// <summary>
/// The sizes of <c>usage_events</c>' text columns, checked before an event is queued: a value that does not fit
/// would fail the statement, and with it every other request of its group commit.
/// </summary>
public static class UsageEventColumns
{
    public const int EventIdMaxLength = 100;
    public const int MetricMaxLength = 32;
    public const int TraceParentMaxLength = 64;
    public const int SetAsideReasonMaxLength = 1000;

    /// <summary>What keeps <paramref name="e"/> out of the table; null when it fits.</summary>
    public static string? Problem(NewUsageEvent e) =>
        e switch
        {
            { EventId: null or "" } => "An event id is required.",
            { EventId.Length: > EventIdMaxLength } => $"The event id '{e.EventId[..20]}…' has {e.EventId.Length} characters; the column holds {EventIdMaxLength}.",
            { Metric: null or "" } => $"The event '{e.EventId}' has no metric.",
            { Metric.Length: > MetricMaxLength } => $"The metric of '{e.EventId}' has {e.Metric.Length} characters; the column holds {MetricMaxLength}.",
            _ when e.EventId.Contains('\0', StringComparison.Ordinal) => "An event id must not contain the NUL character (PostgreSQL text cannot hold it).",
            _ => null,
        };
}
