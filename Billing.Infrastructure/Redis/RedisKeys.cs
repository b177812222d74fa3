using System.Text;

namespace Billing.Infrastructure.Redis;

/// <summary>
/// Every Redis key and channel the services use, in one place. A Redis Cluster runs a script or a multi-key command
/// only when all its keys hash to one slot, so every per-tenant key is <c>&lt;kind&gt;:{&lt;tenant id:N&gt;}:…</c>: the
/// braces make the tenant id the hash tag, and all of a tenant's counters, markers and buckets share one slot. Each
/// script's keys are built by one method here (<see cref="QuotaKeys"/>, <see cref="AdmissionKeys"/>), so the slot
/// test can compute them all. See docs/redis.md for the layout.
/// </summary>
public static class RedisKeys
{
    /// <summary>The number of hash slots of a Redis Cluster.</summary>
    public const int SlotCount = 16384;

    /// <summary>The channel on which replicas tell each other to drop an in-process cache entry.</summary>
    public const string CacheEvictChannel = "billing:cache-evict";

    /// <summary>The worker dashboard's shared data-protection key ring.</summary>
    public const string WorkerKeyRing = "billing:worker:data-protection-keys";

    /// <summary>The hash tag that puts a key in the tenant's slot.</summary>
    public static string Tenant(Guid tenantId) => $"{{{tenantId:N}}}";

    /// <summary>A tenant's usage of one metric in one billing period (hash: <c>v</c> value, <c>t</c> time of the last value).</summary>
    public static string UsageCounter(Guid tenantId, string metric, DateTimeOffset periodStart) =>
        $"usage:{Tenant(tenantId)}:{metric}:{periodStart.ToUnixTimeSeconds()}";

    /// <summary>The marker of a consume's idempotency key, beside the tenant's counters.</summary>
    public static string ConsumeMarker(Guid tenantId, string idempotencyKey) => $"quota-idem:{Tenant(tenantId)}:{idempotencyKey}";

    /// <summary>The marker of a metered request named by its caller (a gateway's request id).</summary>
    public static string RequestMarker(Guid tenantId, string requestKey) => $"quota-request:{Tenant(tenantId)}:{requestKey}";

    /// <summary>The tenant's ingestion budget (a token bucket).</summary>
    public static string IngestionBudget(Guid tenantId) => $"ingest-budget:{Tenant(tenantId)}";

    /// <summary>The tenant's bucket of calls to the Stripe-backed routes.</summary>
    public static string StripeCalls(Guid tenantId) => $"stripe-calls:{Tenant(tenantId)}";

    /// <summary>
    /// The keys of one quota script call (reserve, release): the counter, then the consume's marker, or the counter
    /// again when the consume has no idempotency key.
    /// </summary>
    public static string[] QuotaKeys(Guid tenantId, string metric, DateTimeOffset periodStart, string? idempotencyKey)
    {
        var counter = UsageCounter(tenantId, metric, periodStart);
        return [counter, idempotencyKey is null ? counter : ConsumeMarker(tenantId, idempotencyKey)];
    }

    /// <summary>The keys of one request decision: each ask's counter, then the request's marker when it is named.</summary>
    public static string[] RequestKeys(Guid tenantId, IEnumerable<string> metrics, DateTimeOffset periodStart, string? requestKey) =>
        [.. metrics.Select(m => UsageCounter(tenantId, m, periodStart)), .. requestKey is null ? [] : new[] { RequestMarker(tenantId, requestKey) }];

    /// <summary>The keys of one admission: the tenant's budget, then the counters the request sums into.</summary>
    public static string[] AdmissionKeys(Guid tenantId, IEnumerable<(string Metric, DateTimeOffset PeriodStart)> sums) =>
        [IngestionBudget(tenantId), .. sums.Select(s => UsageCounter(tenantId, s.Metric, s.PeriodStart))];

    /// <summary>
    /// Open gateway leases of every tenant by the time (ms) after which the API closes one itself: one key, written
    /// before a lease exists and cleared after it is gone, so no lease is ever outside it.
    /// </summary>
    public const string GatewayLeasesOpen = "gw-leases:open";

    /// <summary>A gateway lease (hash: counters, units per lease unit, granted, reported, report in flight, expiry), in the tenant's slot.</summary>
    public static string GatewayLease(Guid tenantId, string leaseId) => $"gw-lease:{Tenant(tenantId)}:{leaseId}";

    /// <summary>The keys of a lease's grant: each metric's counter, then the lease. Its close takes the lease, then the same counters.</summary>
    public static string[] LeaseGrantKeys(Guid tenantId, IEnumerable<string> metrics, DateTimeOffset periodStart, string leaseId) =>
        [.. metrics.Select(m => UsageCounter(tenantId, m, periodStart)), GatewayLease(tenantId, leaseId)];

    /// <summary>The usage stream of a billing database, when it is one stream.</summary>
    public static string UsageStream(string database) => $"usage-stream:{database}";

    /// <summary>
    /// Shard <paramref name="shard"/> of <paramref name="shards"/> of the usage stream <paramref name="stream"/>: the
    /// stream itself when there is one shard (as on a single Redis), else the stream's name with a hash tag chosen so
    /// that shard i lies in the i-th of <paramref name="shards"/> equal slot ranges. A cluster created with its slots
    /// split evenly (as <c>redis-cli --cluster create</c> does) then holds the same number of shards on each primary,
    /// and a tenant's shard (<see cref="UsageStreamShardOf"/>) on the primary that holds its counters.
    /// </summary>
    public static string UsageStreamShard(string stream, int shard, int shards)
    {
        if (shards == 1)
        {
            return stream;
        }

        for (var attempt = 0; ; attempt++)
        {
            var tag = $"s{shard}.{attempt}";
            if (ShardOfSlot(HashSlot(tag), shards) == shard)
            {
                return $"{stream}:{{{tag}}}";
            }
        }
    }

    /// <summary>The shard of the usage stream that carries <paramref name="tenantId"/>'s usage: the slot range its hash tag falls in.</summary>
    public static int UsageStreamShardOf(Guid tenantId, int shards) => ShardOfSlot(HashSlot(Tenant(tenantId)), shards);

    /// <summary>Where entries of a usage stream shard that cannot be committed are kept for an operator, in the shard's slot.</summary>
    public static string SetAside(string streamShard) => streamShard + ":set-aside";

    /// <summary>The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag (the first non-empty <c>{…}</c>) or of the whole key, modulo 16384.</summary>
    public static int HashSlot(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                return Crc16(bytes.AsSpan(open + 1, close - open - 1)) % SlotCount;
            }
        }

        return Crc16(bytes) % SlotCount;
    }

    private static int ShardOfSlot(int slot, int shards) => slot * shards / SlotCount;

    private static int Crc16(ReadOnlySpan<byte> bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return crc & 0xFFFF;
    }
}
