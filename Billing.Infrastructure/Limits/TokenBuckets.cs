using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Limits;

/// <summary>
/// Token buckets in Redis, one hash per key (<c>tokens</c>, <c>at</c>), on Redis's own clock so every API replica
/// shares each bucket. When Redis does not answer (no connection, a timeout), each replica keeps a bucket of its own for
/// the key, so a limit still holds (once per replica) rather than falling away with the cache; an error Redis answers
/// with (a script it refuses) is not an outage and is not hidden by the fallback.
/// </summary>
public sealed class TokenBuckets(IConnectionMultiplexer redis, ILogger<TokenBuckets> logger) : IDisposable
{
    /// <summary>
    /// Lua that refills the bucket <c>KEYS[1]</c> (burst <c>ARGV[1]</c>, <c>ARGV[2]</c> tokens every <c>ARGV[3]</c> ms) into
    /// <c>tokens</c> and answers <c>{ 0, wait ms }</c> when fewer than <c>ARGV[4]</c> are in it; followed by <see cref="TakeLua"/>,
    /// other checks may run between the two.
    /// </summary>
    public const string RefillLua = """
        local clock = redis.call('TIME')
        local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
        local burst, rate, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]) / tonumber(ARGV[3]), tonumber(ARGV[4])
        local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(bucket[1]) or burst
        tokens = math.min(burst, tokens + math.max(0, now - (tonumber(bucket[2]) or now)) * rate)
        if tokens < wanted then return { 0, math.ceil((wanted - tokens) / rate) } end
        """;

    /// <summary>Lua that takes the tokens <see cref="RefillLua"/> found and keeps the bucket until it would be full again.</summary>
    public const string TakeLua = """
        redis.call('HSET', KEYS[1], 'tokens', tokens - wanted, 'at', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
        """;

    // Raw string literals end without a line break: the fragments are joined with one.
    private const string TakeScript = RefillLua + "\n" + TakeLua + "\nreturn { 1 }";

    private readonly ConcurrentDictionary<(string, Bucket), TokenBucketRateLimiter> _local = new();

    /// <summary>A bucket holding <paramref name="Burst"/> tokens, refilled by <paramref name="Refill"/> every <paramref name="Every"/>.</summary>
    public sealed record Bucket(int Burst, int Refill, TimeSpan Every)
    {
        /// <summary>The script arguments of <see cref="RefillLua"/> (ARGV[1..4]).</summary>
        public RedisValue[] Arguments(int wanted) => [Burst, Refill, (long)Every.TotalMilliseconds, wanted];
    }

    /// <summary>Takes <paramref name="tokens"/> from the bucket at <paramref name="key"/>; null when taken, else how long until they are there.</summary>
    public async Task<TimeSpan?> TakeAsync(string key, Bucket bucket, int tokens)
    {
        try
        {
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [key], bucket.Arguments(tokens)))!;
            return (int)result[0] == 1 ? null : TimeSpan.FromMilliseconds((long)result[1]);
        }
        catch (Exception e) when (RedisFailures.IsOutage(e))
        {
            logger.LogWarning(e, "Redis unavailable; the bucket {Key} is kept by this replica alone", key);
            return TakeLocally(key, bucket, tokens);
        }
    }

    /// <summary>This replica's own bucket for <paramref name="key"/>: the limit while Redis is away.</summary>
    public TimeSpan? TakeLocally(string key, Bucket bucket, int tokens)
    {
        // Keyed by the bucket's size too, so a changed plan or override takes effect at once.
        var limiter = _local.GetOrAdd((key, bucket), static k => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = k.Item2.Burst,
            TokensPerPeriod = k.Item2.Refill,
            ReplenishmentPeriod = k.Item2.Every,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = limiter.AttemptAcquire(tokens);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : bucket.Every;
    }

    public void Dispose()
    {
        foreach (var limiter in _local.Values)
        {
            limiter.Dispose();
        }
    }
}
