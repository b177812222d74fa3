using Billing.Infrastructure.Redis;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// One Redis Stream of the usage stream (<see cref="UsageStream"/>), with its consumer group and its set-aside stream.
/// Every command names this one key, so on a Redis Cluster each runs on the primary that holds the shard.
/// </summary>
public sealed class UsageStreamShard(IConnectionMultiplexer redis, string key, long maxLength, int replicaAcks = 0, int replicaAckTimeoutMs = 100)
{
    private const string Field = "e";

    // Acknowledged and deleted in one step, so the stream holds exactly the entries not yet committed (its length is
    // the backlog) and no acknowledged entry lingers. Stream IDs start at ARGV[2].
    private const string AcknowledgeScript = """
        redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
        return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
        """;

    // The length check and the append in one step, so replicas appending together cannot pass the bound between them.
    private const string BoundedAppendScript = """
        if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then
          return false
        end
        return redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[3])
        """;

    public string Key { get; } = key;

    /// <summary>The most entries not yet committed that this shard takes: its share of <see cref="UsageStreamOptions.MaxLength"/>.</summary>
    public long MaxLength { get; } = maxLength;

    /// <summary>Where entries of this shard that cannot be committed are kept for an operator, with the reason.</summary>
    public string SetAsideKey { get; } = RedisKeys.SetAside(key);

    private IDatabase Database => redis.GetDatabase();

    /// <summary>
    /// Appends events as one entry unless the shard is full; <see cref="AppendResult.Full"/> when nothing was appended.
    /// With <see cref="UsageStreamOptions.ReplicaAcks"/> set, the append counts only once that many replicas hold it
    /// (<c>WAIT</c>, on the connection that made it): otherwise <see cref="AppendResult.NotReplicated"/>, and the caller
    /// stores the events elsewhere too (PostgreSQL keeps them once, by id).
    /// </summary>
    public async Task<AppendResult> TryAppendAsync(IReadOnlyList<NewUsageEvent> events)
    {
        var database = Database;
        if ((await database.ScriptEvaluateAsync(BoundedAppendScript, [Key], [MaxLength, Field, UsageStreamCodec.Encode(events)])).IsNull)
        {
            return AppendResult.Full;
        }

        if (replicaAcks == 0)
        {
            return AppendResult.Appended;
        }

        // WAIT covers every write sent before it on its connection, and StackExchange.Redis has one per node: it is sent
        // to the node that holds this shard, right behind the append.
        var node = redis.GetServer(await database.IdentifyEndpointAsync(Key) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"No node serves {Key}."));
        var acknowledged = (long)await node.ExecuteAsync("WAIT", replicaAcks, replicaAckTimeoutMs);
        return acknowledged >= replicaAcks ? AppendResult.Appended : AppendResult.NotReplicated;
    }

    public enum AppendResult
    {
        Appended,
        Full,
        NotReplicated,
    }

    /// <summary>
    /// Creates the consumer group (and the stream) unless it exists. The group starts at the stream's beginning, so
    /// entries appended before any drainer ran, or before Redis lost the group, are read too.
    /// </summary>
    public async Task EnsureGroupAsync()
    {
        try
        {
            await Database.StreamCreateConsumerGroupAsync(Key, UsageStream.Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another replica created it first.
        }
    }

    /// <summary>Reads entries new to the group, or (<paramref name="ownPending"/>) those this consumer read before and has not acknowledged.</summary>
    public async Task<IReadOnlyList<UsageStreamEntry>> ReadAsync(string consumer, bool ownPending, int count) =>
        Decode(await Database.StreamReadGroupAsync(Key, UsageStream.Group, consumer, ownPending ? StreamPosition.Beginning : StreamPosition.NewMessages, count));

    /// <summary>
    /// Takes over entries that other consumers read and left unacknowledged for at least <paramref name="minIdle"/>,
    /// scanning the group's pending entries from <paramref name="startAt"/>; returns them and where to continue (<c>0-0</c>: done).
    /// </summary>
    public async Task<(IReadOnlyList<UsageStreamEntry> Entries, string Next)> ClaimAsync(string consumer, TimeSpan minIdle, string startAt, int count)
    {
        var result = await Database.StreamAutoClaimAsync(Key, UsageStream.Group, consumer, (long)minIdle.TotalMilliseconds, startAt, count);
        return (Decode(result.ClaimedEntries), result.NextStartId.ToString());
    }

    /// <summary>Acknowledges and deletes entries whose events are committed.</summary>
    public async Task AcknowledgeAsync(IReadOnlyCollection<string> ids)
    {
        if (ids.Count > 0)
        {
            await Database.ScriptEvaluateAsync(AcknowledgeScript, [Key], [UsageStream.Group, .. ids.Select(id => (RedisValue)id)]);
        }
    }

    /// <summary>Copies an entry that cannot be committed to <see cref="SetAsideKey"/> (the caller then acknowledges it).</summary>
    public Task SetAsideAsync(UsageStreamEntry entry) =>
        Database.StreamAddAsync(SetAsideKey, [new("id", entry.Id), new("problem", entry.Problem), new(Field, entry.Payload)]);

    /// <summary>Entries not yet committed (acknowledged entries are deleted at once).</summary>
    public Task<long> LengthAsync() => Database.StreamLengthAsync(Key);

    /// <summary>
    /// Removes consumers with nothing pending that have not read for <paramref name="idle"/>: each process start
    /// joins under a new name, and the group would otherwise keep every name it ever saw.
    /// </summary>
    public async Task<int> ForgetIdleConsumersAsync(string except, TimeSpan idle)
    {
        var forgotten = 0;
        foreach (var consumer in await Database.StreamConsumerInfoAsync(Key, UsageStream.Group))
        {
            if (consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds > idle.TotalMilliseconds && consumer.Name != except)
            {
                await Database.StreamDeleteConsumerAsync(Key, UsageStream.Group, consumer.Name);
                forgotten++;
            }
        }

        return forgotten;
    }

    private static List<UsageStreamEntry> Decode(StreamEntry[] entries)
    {
        var decoded = new List<UsageStreamEntry>(entries.Length);
        foreach (var entry in entries)
        {
            // A pending entry deleted from the stream comes back without values: nothing to commit, only to acknowledge.
            var payload = entry.IsNull ? null : (byte[]?)entry[Field];
            if (payload is null)
            {
                decoded.Add(new UsageStreamEntry(entry.Id.ToString(), [], null, []));
                continue;
            }

            var events = UsageStreamCodec.Decode(payload, out var problem);
            problem ??= events!.Select(UsageEventColumns.Problem).FirstOrDefault(p => p is not null);
            decoded.Add(new UsageStreamEntry(entry.Id.ToString(), problem is null ? events! : [], problem, payload));
        }

        return decoded;
    }
}
