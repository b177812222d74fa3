namespace Billing.Infrastructure.Quotas;

/// <summary>Names a metered request, so that its repeats within <paramref name="Window"/> are decided once and counted once.</summary>
/// <param name="Key">Unique per tenant and request (a gateway's request id).</param>
/// <param name="Window">How long the first decision is remembered; a repeat after it is decided and counted again.</param>
public sealed record RequestIdempotency(string Key, TimeSpan Window);
