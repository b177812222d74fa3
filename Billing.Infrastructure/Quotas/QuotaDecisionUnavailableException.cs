namespace Billing.Infrastructure.Quotas;

/// <summary>
/// A quota could not be decided in time (Redis down and the PostgreSQL fallback saturated, or PostgreSQL down too).
/// Nothing was counted or stored; the request is answered 503 with <c>Retry-After</c> and a retry is safe.
/// </summary>
public sealed class QuotaDecisionUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>When the client should try again.</summary>
    public static TimeSpan RetryAfter => TimeSpan.FromSeconds(1);
}
