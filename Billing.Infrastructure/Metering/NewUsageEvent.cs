namespace Billing.Infrastructure.Metering;

/// <summary>A validated event on its way into <c>usage_events</c>, with the billing period it counts towards.</summary>
/// <param name="Precounted">Already added to the Redis counter by a quota reservation: the counter must not count it again.</param>
public sealed record NewUsageEvent(
    Guid TenantId,
    string EventId,
    string Metric,
    long Value,
    DateTimeOffset OccurredAt,
    DateTimeOffset PeriodStart,
    string? PropertiesJson,
    string? TraceParent,
    bool Precounted = false);
