using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Billing.Api.Auth;

/// <summary>
/// Counts the bad keys (malformed, unknown, revoked, expired) each client address presents, in a token bucket per
/// address; once an address has used its bucket, its keys that are not already verified are refused with 429 before
/// any lookup, so guessing keys costs the database nothing. IPv6 clients count per /64, the block one host is given.
/// </summary>
public sealed class InvalidKeyThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly TimeSpan _perToken;

    public InvalidKeyThrottle(IOptions<RateLimitingOptions> options)
    {
        var o = options.Value;
        _perToken = TimeSpan.FromMinutes(1) / o.InvalidKeysPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.InvalidKeyBurst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = _perToken,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null while <paramref name="address"/> may still present keys to be looked up; otherwise how long it should wait.</summary>
    public TimeSpan? Refusal(string address) =>
        // Whole permits only: the bucket refills continuously, and a fraction of a token is no bad key allowed yet.
        _limiter.GetStatistics(address)?.CurrentAvailablePermits >= 1 ? null : _perToken;

    /// <summary>Counts one bad key against <paramref name="address"/>.</summary>
    public void Count(string address) => _limiter.AttemptAcquire(address).Dispose();

    /// <summary>The partition of a client: its IPv4 address, or the /64 of its IPv6 address.</summary>
    public static string AddressOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose() => _limiter.Dispose();
}
