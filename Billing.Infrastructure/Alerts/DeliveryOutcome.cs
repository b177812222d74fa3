namespace Billing.Infrastructure.Alerts;

/// <summary>What one pass did with an alert: its new status, attempt count, next attempt and last error.</summary>
public sealed record DeliveryOutcome(string Status, int Attempts, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, string? Error);
