using Billing.Infrastructure.Redis;

namespace Billing.Infrastructure.Tests.Redis;

/// <summary>
/// A Redis Cluster runs a script or a multi-key command only when all its keys lie in one hash slot. Every script the
/// services run gets its keys from <see cref="RedisKeys"/>; these tests compute the slots of each script's keys the way
/// the cluster does, so a key that leaves its tenant's slot fails here, not in production.
/// </summary>
public sealed class RedisKeysTests
{
    private static readonly DateTimeOffset Period = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NextPeriod = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] MetricKeys = ["api_calls", "llm_tokens", "storage_gb", "seats"];

    public static TheoryData<Guid> Tenants() => [.. Enumerable.Range(0, 20).Select(_ => Guid.NewGuid())];

    [Theory]
    // The Redis Cluster specification's examples: CRC16 (XMODEM) of "123456789" is 0x31C3; a tag is the first
    // non-empty {…}, an empty one hashes the whole key.
    [InlineData("123456789", 0x31C3)]
    [InlineData("{123456789}.anything", 0x31C3)]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    public void The_hash_slot_is_crc16_of_the_key_or_its_tag(string key, int slot) => Assert.Equal(slot, RedisKeys.HashSlot(key));

    [Fact]
    public void Only_the_first_non_empty_braces_make_a_hash_tag()
    {
        Assert.Equal(RedisKeys.HashSlot("user1000"), RedisKeys.HashSlot("{user1000}.following"));
        Assert.Equal(RedisKeys.HashSlot("bar"), RedisKeys.HashSlot("foo{bar}{zap}"));
        Assert.Equal(RedisKeys.HashSlot("{bar"), RedisKeys.HashSlot("foo{{bar}}zap"));
        // An empty {} is no tag: the whole key is hashed (RedisClusterTests compares these with the cluster's own answers).
        Assert.NotEqual(RedisKeys.HashSlot("bar"), RedisKeys.HashSlot("foo{}{bar}"));
    }

    [Theory]
    [MemberData(nameof(Tenants))]
    public void The_quota_scripts_keys_lie_in_the_tenants_slot(Guid tenant)
    {
        var slot = RedisKeys.HashSlot(RedisKeys.Tenant(tenant));

        // QuotaLedger: reserve and release, with and without the consume's idempotency key.
        AssertOneSlot(slot, RedisKeys.QuotaKeys(tenant, "api_calls", Period, "retry-7"));
        AssertOneSlot(slot, RedisKeys.QuotaKeys(tenant, "api_calls", Period, null));
        // QuotaLedger.Requests: a request's asks, with and without a caller's request id.
        AssertOneSlot(slot, RedisKeys.RequestKeys(tenant, MetricKeys, Period, "gw-req-1"));
        AssertOneSlot(slot, RedisKeys.RequestKeys(tenant, MetricKeys, Period, null));
        // GatewayLeases: a grant's counters and lease (its close takes the same keys, lease first).
        AssertOneSlot(slot, RedisKeys.LeaseGrantKeys(tenant, MetricKeys, Period, "0f3a9c"));
    }

    [Theory]
    [MemberData(nameof(Tenants))]
    public void The_admission_and_counter_scripts_keys_lie_in_the_tenants_slot(Guid tenant)
    {
        var slot = RedisKeys.HashSlot(RedisKeys.Tenant(tenant));

        // IngestionAdmission: the budget and every (metric, period) the request sums into, across a period's boundary.
        AssertOneSlot(slot, RedisKeys.AdmissionKeys(tenant, MetricKeys.SelectMany(m => new[] { (m, Period), (m, NextPeriod) })));
        // UsageCounters.AdvanceAsync / UsageRecordBuffer: one tenant's counters per script call (the callers group by tenant).
        AssertOneSlot(slot, [.. MetricKeys.SelectMany(m => new[] { RedisKeys.UsageCounter(tenant, m, Period), RedisKeys.UsageCounter(tenant, m, NextPeriod) })]);
        // Single-key scripts (seed, token buckets) use the tenant's keys too, so a tenant's keys never straddle nodes.
        AssertOneSlot(slot, [RedisKeys.IngestionBudget(tenant), RedisKeys.StripeCalls(tenant), RedisKeys.ConsumeMarker(tenant, "k"), RedisKeys.RequestMarker(tenant, "r")]);
    }

    [Fact]
    public void Different_tenants_spread_over_the_slots()
    {
        var slots = Enumerable.Range(0, 1000).Select(_ => RedisKeys.HashSlot(RedisKeys.Tenant(Guid.NewGuid()))).ToList();

        // Three primaries, each with a third of the slots: each holds a fair share of 1,000 tenants.
        Assert.All(Enumerable.Range(0, 3), third => Assert.InRange(slots.Count(s => s * 3 / RedisKeys.SlotCount == third), 250, 420));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(16)]
    public void Each_usage_stream_shard_lies_in_its_own_equal_share_of_the_slots(int shards)
    {
        var keys = Enumerable.Range(0, shards).Select(i => RedisKeys.UsageStreamShard("usage-stream:billingdb", i, shards)).ToList();

        Assert.Equal(shards, keys.Distinct().Count());
        Assert.All(keys, k => Assert.StartsWith("usage-stream:billingdb:{", k, StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(0, shards), keys.Select(k => RedisKeys.HashSlot(k) * shards / RedisKeys.SlotCount));
        // The set-aside stream is in its shard's slot.
        Assert.All(keys, k => Assert.Equal(RedisKeys.HashSlot(k), RedisKeys.HashSlot(RedisKeys.SetAside(k))));
    }

    [Fact]
    public void A_single_shard_is_the_stream_itself_as_on_a_single_redis()
    {
        Assert.Equal("usage-stream:billingdb", RedisKeys.UsageStreamShard(RedisKeys.UsageStream("billingdb"), 0, 1));
        Assert.Equal("usage-stream:billingdb:set-aside", RedisKeys.SetAside(RedisKeys.UsageStreamShard("usage-stream:billingdb", 0, 1)));
        Assert.Equal(0, RedisKeys.UsageStreamShardOf(Guid.NewGuid(), 1));
    }

    [Theory]
    [MemberData(nameof(Tenants))]
    public void A_tenants_usage_stream_shard_covers_the_slot_of_its_counters(Guid tenant)
    {
        const int shards = 6;
        var shard = RedisKeys.UsageStreamShardOf(tenant, shards);

        Assert.Equal(shard, RedisKeys.HashSlot(RedisKeys.UsageCounter(tenant, "api_calls", Period)) * shards / RedisKeys.SlotCount);
        Assert.Equal(shard, RedisKeys.HashSlot(RedisKeys.UsageStreamShard("usage-stream:billingdb", shard, shards)) * shards / RedisKeys.SlotCount);
    }

    private static void AssertOneSlot(int slot, string[] keys)
    {
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.Equal(slot, RedisKeys.HashSlot(k)));
    }
}
