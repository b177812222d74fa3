namespace Billing.Infrastructure.Alerts;

/// <summary>A pending alert claimed for delivery: what will be sent, its attempts so far, and its tenant's webhook settings as they are now.</summary>
public sealed record DueAlert(AlertWebhookPayload Payload, int Attempts, string? WebhookUrl, string? WebhookSecret);
