using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Billing.Api.Tests.Caching;

/// <summary>A change announced by another process (the worker) drops this replica's cached view of the tenant.</summary>
public sealed class CacheInvalidationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_change_published_elsewhere_evicts_the_cached_tenant()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        // Loaded as a tenant's request loads it: in the tenant's scope.
        using (TenantScope.Enter(tenantId))
        using (var scope = api.Services.CreateScope())
        {
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<TenantBillingStore>().GetAsync(tenantId, TestContext.Current.CancellationToken));
        }

        var cache = api.Services.GetRequiredService<IMemoryCache>();
        var key = TenantBillingStore.CacheKey(tenantId);
        Assert.True(cache.TryGetValue(key, out _));

        await using var otherProcess = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString);
        await otherProcess.GetSubscriber().PublishAsync(CacheInvalidation.Channel, key);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (cache.TryGetValue(key, out _) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(cache.TryGetValue(key, out _));
    }
}
