using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// The Redis Stream that carries metered requests' usage to PostgreSQL. A request appends its events as one entry
/// (one <c>XADD</c>, kept by Redis's append-only file) and answers; the drainers of all replicas read the stream
/// through one consumer group, commit the events, and only then acknowledge and delete the entries. An entry read by a
/// consumer that died before acknowledging it stays pending and is claimed by another after a while; committing it
/// again is harmless, because PostgreSQL refuses the events' ids a second time. The stream is bounded
/// (<see cref="UsageStreamOptions.MaxLength"/>): an append that finds it full is not made, and its caller stores the
/// events elsewhere; entries are never trimmed, since each holds accepted usage.
/// </summary>
public sealed class UsageStream
{
    /// <summary>The consumer group every replica's drainer reads through: each entry goes to one of them.</summary>
    public const string Group = "usage-drainers";

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

    private readonly IConnectionMultiplexer _redis;
    private readonly UsageStreamMetrics _metrics;
    private readonly ILogger<UsageStream> _logger;
    private readonly BoundCrossing _full = new();

    public UsageStream(
        IConnectionMultiplexer redis, IOptions<UsageStreamOptions> options, IConfiguration configuration, UsageStreamMetrics metrics, ILogger<UsageStream> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
        Key = options.Value.Key ?? $"usage-stream:{DatabaseName(configuration)}";
        MaxLength = options.Value.MaxLength;
    }

    public string Key { get; }

    /// <summary>The most entries not yet committed that the stream takes (<see cref="UsageStreamOptions.MaxLength"/>).</summary>
    public long MaxLength { get; }

    /// <summary>Where entries that cannot be committed are kept for an operator, with the reason.</summary>
    public string SetAsideKey => Key + ":set-aside";

    /// <summary>
    /// Appends events as one entry unless the stream holds <see cref="MaxLength"/> entries not yet committed; false when
    /// it was full and nothing was appended. Throws <see cref="RedisException"/> or <see cref="TimeoutException"/> when
    /// Redis does not answer (the entry may then have been appended or not).
    /// </summary>
    public async Task<bool> TryAppendAsync(IReadOnlyList<NewUsageEvent> events)
    {
        var appended = await Database.ScriptEvaluateAsync(BoundedAppendScript, [Key], [MaxLength, Field, UsageStreamCodec.Encode(events)]);
        if (appended.IsNull)
        {
            _metrics.RecordStreamFull();
            if (_full.Pass())
            {
                _logger.LogWarning("Usage stream {Key} holds {MaxLength} entries not yet committed (UsageStream:MaxLength): usage goes to PostgreSQL directly, "
                    + "and metered requests are refused when PostgreSQL does not take it either", Key, MaxLength);
            }

            return false;
        }

        if (_full.Clear())
        {
            _logger.LogInformation("Usage stream {Key} is below its bound again: usage is appended to it", Key);
        }

        return true;
    }

    /// <summary>
    /// Creates the consumer group (and the stream) unless it exists. The group starts at the stream's beginning, so
    /// entries appended before any drainer ran, or before Redis lost the group, are read too.
    /// </summary>
    public async Task EnsureGroupAsync()
    {
        try
        {
            await Database.StreamCreateConsumerGroupAsync(Key, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another replica created it first.
        }
    }

    /// <summary>Reads entries new to the group, or (<paramref name="ownPending"/>) those this consumer read before and has not acknowledged.</summary>
    public async Task<IReadOnlyList<UsageStreamEntry>> ReadAsync(string consumer, bool ownPending, int count) =>
        Decode(await Database.StreamReadGroupAsync(Key, Group, consumer, ownPending ? StreamPosition.Beginning : StreamPosition.NewMessages, count));

    /// <summary>
    /// Takes over entries that other consumers read and left unacknowledged for at least <paramref name="minIdle"/>,
    /// scanning the group's pending entries from <paramref name="startAt"/>; returns them and where to continue (<c>0-0</c>: done).
    /// </summary>
    public async Task<(IReadOnlyList<UsageStreamEntry> Entries, string Next)> ClaimAsync(string consumer, TimeSpan minIdle, string startAt, int count)
    {
        var result = await Database.StreamAutoClaimAsync(Key, Group, consumer, (long)minIdle.TotalMilliseconds, startAt, count);
        return (Decode(result.ClaimedEntries), result.NextStartId.ToString());
    }

    /// <summary>Acknowledges and deletes entries whose events are committed.</summary>
    public async Task AcknowledgeAsync(IReadOnlyCollection<string> ids)
    {
        if (ids.Count > 0)
        {
            await Database.ScriptEvaluateAsync(AcknowledgeScript, [Key], [Group, .. ids.Select(id => (RedisValue)id)]);
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
        foreach (var consumer in await Database.StreamConsumerInfoAsync(Key, Group))
        {
            if (consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds > idle.TotalMilliseconds && consumer.Name != except)
            {
                await Database.StreamDeleteConsumerAsync(Key, Group, consumer.Name);
                forgotten++;
            }
        }

        return forgotten;
    }

    private IDatabase Database => _redis.GetDatabase();

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

    private static string DatabaseName(IConfiguration configuration) =>
        new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(InfrastructureRegistration.DatabaseConnectionName)).Database
        ?? throw new InvalidOperationException($"ConnectionStrings:{InfrastructureRegistration.DatabaseConnectionName} names no database.");
}
