using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Billing.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Billing.Infrastructure.Tests.Redis;

/// <summary>
/// On a real Redis Cluster (three primaries, three replicas): the slots <see cref="RedisKeys"/> computes are the
/// cluster's own, a script whose keys straddle slots is refused (what the slot tests guard against), and the commands
/// that touch many tenants' keys at once are split by slot.
/// </summary>
public sealed class RedisClusterTests(RedisCluster cluster) : IClassFixture<RedisCluster>
{
    [Fact]
    public async Task The_cluster_computes_the_same_slot_as_RedisKeys_for_every_kind_of_key()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.AdminConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var tenant = Guid.NewGuid();
        string[] keys =
        [
            "123456789", "foo", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "{", "}{x}", "ключ",
            RedisKeys.UsageCounter(tenant, "api_calls", DateTimeOffset.UnixEpoch), RedisKeys.ConsumeMarker(tenant, "k"), RedisKeys.RequestMarker(tenant, "r"),
            RedisKeys.IngestionBudget(tenant), RedisKeys.StripeCalls(tenant), RedisKeys.UsageStream("billingdb"),
            .. Enumerable.Range(0, 6).Select(i => RedisKeys.UsageStreamShard("usage-stream:billingdb", i, 6)),
            RedisKeys.CacheEvictChannel, RedisKeys.WorkerKeyRing,
        ];

        foreach (var key in keys)
        {
            Assert.Equal((long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", key), RedisKeys.HashSlot(key));
        }
    }

    [Fact]
    public async Task A_script_whose_keys_lie_in_two_tenants_slots_is_refused_by_the_cluster()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var (a, b) = TwoTenantsInDifferentSlots();
        RedisKey[] keys = [RedisKeys.UsageCounter(a, "api_calls", DateTimeOffset.UnixEpoch), RedisKeys.UsageCounter(b, "api_calls", DateTimeOffset.UnixEpoch)];

        // StackExchange.Redis knows the slot map and refuses it before sending; the exception is no RedisException, so
        // no outage fallback would hide it: it would fail the request.
        var refused = await Assert.ThrowsAsync<RedisCommandException>(() => UsageCounters.AddAsync(redis.GetDatabase(), keys, [1, 1]));

        Assert.Contains("single slot", refused.Message, StringComparison.Ordinal);
        // One tenant's counters in one script are taken.
        Assert.Equal([null, null], await UsageCounters.AddAsync(redis.GetDatabase(),
            [RedisKeys.UsageCounter(a, "api_calls", DateTimeOffset.UnixEpoch), RedisKeys.UsageCounter(a, "llm_tokens", DateTimeOffset.UnixEpoch)], [1, 1]));
    }

    [Fact]
    public async Task Stale_counters_of_many_tenants_are_all_dropped_once_redis_is_back()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var counters = new UsageCounters(redis, new StaleCounters(redis, NullLogger<StaleCounters>.Instance), NullLogger<UsageCounters>.Instance);
        var stale = new StaleCounters(redis, NullLogger<StaleCounters>.Instance);
        var keys = Enumerable.Range(0, 20).Select(_ => RedisKeys.UsageCounter(Guid.NewGuid(), "api_calls", DateTimeOffset.UnixEpoch)).ToList();
        foreach (var key in keys)
        {
            await counters.SeedAsync(key, 5, null);
        }

        stale.Add(keys);
        var dropped = await stale.DropAsync();

        Assert.True(dropped);
        Assert.Equal(0, stale.Count);
        Assert.Equal(Enumerable.Repeat<long?>(null, keys.Count), await counters.ReadAsync(keys));
    }

    private static (Guid, Guid) TwoTenantsInDifferentSlots()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        while (RedisKeys.HashSlot(RedisKeys.Tenant(a)) == RedisKeys.HashSlot(RedisKeys.Tenant(b)))
        {
            b = Guid.NewGuid();
        }

        return (a, b);
    }
}
