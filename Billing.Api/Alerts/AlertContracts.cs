namespace Billing.Api.Alerts;

/// <param name="WebhookUrl">Absolute http(s) URL the alerts are POSTed to; null stops deliveries (alerts are still listed).</param>
/// <param name="SpendLimitCents">Spend alerts fire at 50, 80 and 100 % of it; null turns them off.</param>
public sealed record AlertSettingsRequest(string? WebhookUrl, long? SpendLimitCents);

/// <param name="SecretPrefix">The first characters of the signing secret, to tell it apart; null without a secret.</param>
/// <param name="Secret">The signing secret, in the response that created it only (first URL, or a rotation); null otherwise.</param>
public sealed record AlertSettingsResponse(
    string? WebhookUrl, long? SpendLimitCents, string Currency, bool SecretConfigured, string? SecretPrefix, string? Secret);

/// <param name="Secret">The new signing secret. It appears in this response only; the previous one stops signing at once.</param>
public sealed record RotatedSecretResponse(string Secret, string SecretPrefix);

/// <param name="Kind"><c>included</c> (of a metric's included quantity) or <c>spend</c> (of the spend limit).</param>
/// <param name="Metric">The metric of an <c>included</c> alert; null for spend.</param>
/// <param name="Value">Usage when the threshold was crossed, or spend so far in cents.</param>
/// <param name="Limit">The included quantity, or the spend limit in cents.</param>
/// <param name="DeliveryStatus"><c>pending</c>, <c>delivered</c>, <c>failed</c> or <c>skipped</c> (no webhook URL).</param>
public sealed record AlertResponse(
    Guid Id, string Kind, string? Metric, int ThresholdPercent, DateTimeOffset PeriodStart, long Value, long Limit,
    DateTimeOffset CreatedAt, string DeliveryStatus);

public sealed record AlertListResponse(IReadOnlyList<AlertResponse> Items);
