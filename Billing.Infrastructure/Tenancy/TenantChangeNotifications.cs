using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// Tells every API replica that a tenant's plan, subscription or invoices changed (Redis pub/sub),
/// so their in-process caches of it are dropped at once instead of at expiry.
/// </summary>
public sealed class TenantChangeNotifications(IConnectionMultiplexer redis, IMemoryCache cache, ILogger<TenantChangeNotifications> logger)
    : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("billing:tenant-changed");

    /// <summary>Announces a change; a lost message costs at most the cache's few seconds of staleness.</summary>
    public async Task PublishAsync(Guid tenantId)
    {
        TenantBillingStore.Evict(cache, tenantId);
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, tenantId.ToString("N"));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Could not announce a change of tenant {TenantId}", tenantId);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken) =>
        await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
        {
            if (Guid.TryParse(message.ToString(), out var tenantId))
            {
                TenantBillingStore.Evict(cache, tenantId);
            }
        });

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(Channel);
}
