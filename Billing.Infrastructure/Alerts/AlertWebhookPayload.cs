namespace Billing.Infrastructure.Alerts;

/// <summary>
/// The JSON body POSTed to a tenant's alert URL (camelCase). <see cref="Id"/> is the same on every attempt of one
/// alert, so a receiver can ignore a repeat (delivery is at least once).
/// </summary>
/// <param name="Currency">For spend alerts, the currency of <see cref="Value"/> and <see cref="Limit"/> (integer cents); null otherwise.</param>
public sealed record AlertWebhookPayload(
    Guid Id,
    string Type,
    Guid TenantId,
    string Kind,
    string? Metric,
    int ThresholdPercent,
    DateTimeOffset PeriodStart,
    long Value,
    long Limit,
    string? Currency,
    DateTimeOffset CreatedAt)
{
    public const string EventType = "usage_alert.threshold_crossed";
}
