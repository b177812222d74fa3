using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Caching;

/// <summary>
/// Drops an in-process cache entry in every replica (Redis pub/sub): a revoked API key, a tenant whose
/// plan, subscription or invoices changed. A lost message costs at most the entry's short lifetime.
/// </summary>
public sealed class CacheInvalidation(IConnectionMultiplexer redis, IMemoryCache cache, ILogger<CacheInvalidation> logger)
    : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal(Redis.RedisKeys.CacheEvictChannel);

    /// <summary>Evicts the entry here and announces it to the other replicas.</summary>
    public async Task EvictEverywhereAsync(string cacheKey)
    {
        Remove(cacheKey);
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, cacheKey);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            logger.LogWarning(e, "Could not announce the eviction of {CacheKey}", cacheKey);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => Remove(message.ToString()));
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // Without Redis the entries still expire on their own; the service must start regardless.
            logger.LogWarning(e, "Cache invalidation not subscribed; cached entries expire on their own");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Remove(string cacheKey)
    {
        cache.Remove(cacheKey);
        cache.Remove(LastKnownValues.KeyOf(cacheKey));
    }
}
