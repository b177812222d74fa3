using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// The Redis Streams that carry metered requests' usage to PostgreSQL. A request appends its events as one entry
/// (one <c>XADD</c>, kept by Redis's append-only file) and answers; the drainers of all replicas read the stream
/// through one consumer group, commit the events, and only then acknowledge and delete the entries. An entry read by a
/// consumer that died before acknowledging it stays pending and is claimed by another after a while; committing it
/// again is harmless, because PostgreSQL refuses the events' ids a second time. The stream is bounded
/// (<see cref="UsageStreamOptions.MaxLength"/>): an append that finds it full is not made, and its caller stores the
/// events elsewhere; entries are never trimmed, since each holds accepted usage.
/// On a Redis Cluster the stream is split into <see cref="UsageStreamOptions.Shards"/> streams, each in its own slot,
/// so the appends spread over the primaries; a tenant's usage always goes to the same shard, and each shard has its
/// consumer group, its share of the bound and its set-aside stream.
/// </summary>
public sealed class UsageStream
{
    /// <summary>The consumer group every replica's drainer reads each shard through: each entry goes to one of them.</summary>
    public const string Group = "usage-drainers";

    private readonly UsageStreamMetrics _metrics;
    private readonly ILogger<UsageStream> _logger;
    private readonly BoundCrossing _full = new();

    public UsageStream(
        IConnectionMultiplexer redis, IOptions<UsageStreamOptions> options, IConfiguration configuration, UsageStreamMetrics metrics, ILogger<UsageStream> logger)
    {
        _metrics = metrics;
        _logger = logger;
        Key = options.Value.Key ?? RedisKeys.UsageStream(DatabaseName(configuration));
        MaxLength = options.Value.MaxLength;
        var shards = Math.Max(1, options.Value.Shards);
        // Each shard takes an equal share of the bound, so together they never hold more than MaxLength entries.
        Shards = [.. Enumerable.Range(0, shards).Select(i => new UsageStreamShard(
            redis, RedisKeys.UsageStreamShard(Key, i, shards), Math.Max(1, MaxLength / shards), options.Value.ReplicaAcks, options.Value.ReplicaAckTimeoutMs))];
    }

    /// <summary>The stream's name: its only shard's key on a single Redis, the prefix of the shards' keys otherwise.</summary>
    public string Key { get; }

    /// <summary>The most entries not yet committed that all shards together take (<see cref="UsageStreamOptions.MaxLength"/>).</summary>
    public long MaxLength { get; }

    public IReadOnlyList<UsageStreamShard> Shards { get; }

    /// <summary>The shard that carries a tenant's usage.</summary>
    public UsageStreamShard ShardOf(Guid tenantId) => Shards[RedisKeys.UsageStreamShardOf(tenantId, Shards.Count)];

    /// <summary>
    /// Appends events, all of one shard (one tenant's, or a batch split by <see cref="ShardOf"/>), as one entry unless
    /// their shard holds its share of <see cref="MaxLength"/> entries not yet committed; false when it was full and
    /// nothing was appended, or when fewer replicas than <see cref="UsageStreamOptions.ReplicaAcks"/> confirmed the entry
    /// in time (the caller then commits the events to PostgreSQL, which keeps them once). Throws <see cref="RedisException"/> or <see cref="TimeoutException"/> when Redis does not
    /// answer (the entry may then have been appended or not).
    /// </summary>
    public async Task<bool> TryAppendAsync(IReadOnlyList<NewUsageEvent> events)
    {
        var shard = ShardOf(events[0].TenantId);
        if (events.Any(e => ShardOf(e.TenantId) != shard))
        {
            throw new ArgumentException("The events belong to more than one shard of the usage stream.", nameof(events));
        }

        var appended = await shard.TryAppendAsync(events);
        if (appended == UsageStreamShard.AppendResult.NotReplicated)
        {
            _metrics.RecordNotReplicated();
            _logger.LogWarning("Usage stream {Key}: the entry did not reach a replica in time (UsageStream:ReplicaAcks); the usage is committed to PostgreSQL too", shard.Key);
            return false;
        }

        if (appended == UsageStreamShard.AppendResult.Full)
        {
            _metrics.RecordStreamFull();
            if (_full.Pass())
            {
                _logger.LogWarning("Usage stream {Key} holds {MaxLength} entries not yet committed (UsageStream:MaxLength): usage goes to PostgreSQL directly, "
                    + "and metered requests are refused when PostgreSQL does not take it either", shard.Key, shard.MaxLength);
            }

            return false;
        }

        if (_full.Clear())
        {
            _logger.LogInformation("Usage stream {Key} is below its bound again: usage is appended to it", shard.Key);
        }

        return true;
    }

    /// <summary>Creates every shard's consumer group (and stream) unless it exists.</summary>
    public Task EnsureGroupAsync() => Task.WhenAll(Shards.Select(s => s.EnsureGroupAsync()));

    /// <summary>Entries not yet committed, in all shards.</summary>
    public async Task<long> LengthAsync() => (await Task.WhenAll(Shards.Select(s => s.LengthAsync()))).Sum();

    private static string DatabaseName(IConfiguration configuration) =>
        new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(InfrastructureRegistration.DatabaseConnectionName)).Database
        ?? throw new InvalidOperationException($"ConnectionStrings:{InfrastructureRegistration.DatabaseConnectionName} names no database.");
}
