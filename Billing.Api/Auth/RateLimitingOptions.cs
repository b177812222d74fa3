namespace Billing.Api.Auth;

/// <summary>Per-key rate limits (configuration section <c>RateLimiting</c>): a token bucket per API key.</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Sustained requests per second per key.</summary>
    public int PermitsPerSecond { get; set; } = 2000;

    /// <summary>Requests a key may send at once after being idle.</summary>
    public int Burst { get; set; } = 4000;
}
