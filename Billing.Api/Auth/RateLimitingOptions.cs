namespace Billing.Api.Auth;

/// <summary>
/// Rate limits (configuration section <c>RateLimiting</c>): a token bucket per API key, and one per client address for
/// the bad keys it presents (<see cref="InvalidKeyThrottle"/>).
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Sustained requests per second per key.</summary>
    public int PermitsPerSecond { get; set; } = 2000;

    /// <summary>Requests a key may send at once after being idle.</summary>
    public int Burst { get; set; } = 4000;

    /// <summary>Bad keys (malformed, unknown, revoked, expired) an address may present at once before it must wait.</summary>
    public int InvalidKeyBurst { get; set; } = 20;

    /// <summary>Bad keys an address may present per minute, sustained, once its burst is used.</summary>
    public int InvalidKeysPerMinute { get; set; } = 60;
}
