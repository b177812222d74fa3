using Billing.Domain.Metering;

namespace Billing.Infrastructure.Metering;

/// <summary>How long an event id keeps deduplicating (configuration section <c>Usage</c>).</summary>
public sealed class EventIdRetentionOptions
{
    public const string SectionName = "Usage";

    /// <summary>
    /// Days an event id is kept in <c>usage_event_ids</c> after it was received; a repeat of the id within them is a
    /// duplicate. It must exceed <see cref="UsageEventRules.MaxAge"/> (35 days) plus the allowed clock skew
    /// (<see cref="MinimumDays"/>): an event sent with its timestamp is refused once that timestamp is older than
    /// MaxAge, so its id is never accepted twice however long ago it was first received. Only an event sent without a
    /// timestamp (stamped on receipt) and sent again after the window would be counted again.
    /// </summary>
    public int EventIdRetentionDays { get; set; } = 45;

    /// <summary>MaxAge and the future skew an event's timestamp may have, in whole days, rounded up.</summary>
    public static int MinimumDays => (int)Math.Ceiling((UsageEventRules.MaxAge + UsageEventRules.MaxFutureSkew).TotalDays);

    public TimeSpan Retention => TimeSpan.FromDays(EventIdRetentionDays);
}
