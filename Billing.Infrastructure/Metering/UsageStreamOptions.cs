namespace Billing.Infrastructure.Metering;

/// <summary>The usage stream between metered requests and PostgreSQL (configuration section <c>UsageStream</c>).</summary>
public sealed class UsageStreamOptions
{
    public const string SectionName = "UsageStream";

    /// <summary>
    /// Metered requests append their usage to the stream and answer without waiting for PostgreSQL. Turn it off for a
    /// Redis without persistence (append-only file): there the stream would not outlive a Redis restart, and requests
    /// should wait for the PostgreSQL commit as they do without it.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>This replica runs a drainer. Every replica should: any of them takes over what a dead one left.</summary>
    public bool Drain { get; set; } = true;

    /// <summary>The stream's key; by default <c>usage-stream:&lt;database name&gt;</c>, so billing databases sharing a Redis never take each other's usage.</summary>
    public string? Key { get; set; }

    /// <summary>
    /// Streams the usage stream is split into, each in its own hash slot: 1 on a single Redis; on a Redis Cluster a
    /// multiple of the primaries (e.g. 6 or 12 on three), so appends and drains spread over all of them. A tenant's usage
    /// always goes to the shard of its hash slot. Changing it while entries wait strands them in shards no longer read:
    /// drain the stream first (stop the API's traffic until its length is 0).
    /// </summary>
    public int Shards { get; set; } = 1;

    /// <summary>
    /// The most entries the stream holds that are not yet committed to PostgreSQL, whatever the number of replicas. An
    /// append that finds it full is not made: the usage is committed to PostgreSQL directly, or the request is refused
    /// (503) when PostgreSQL does not take it either. Nothing is ever trimmed away. With several <see cref="Shards"/> each
    /// takes MaxLength / Shards entries, so a busy tenant's shard may be full before the whole stream is. An entry holds one request's events
    /// (some 400 bytes), or one buffer flush's (up to <see cref="UsageBufferOptions.MaxBatchEvents"/> events).
    /// </summary>
    public int MaxLength { get; set; } = 100_000;

    /// <summary>
    /// Replicas that must hold an appended entry before it counts (Redis <c>WAIT</c>): 0 by default. A primary that
    /// fails over loses what it acknowledged and had not yet sent to its replica (replication is asynchronous); with 1,
    /// an entry no replica confirmed within <see cref="ReplicaAckTimeoutMs"/> is committed to PostgreSQL too, so a
    /// failover loses no usage, at the cost of one replica round trip per append (per buffer flush when buffering is on).
    /// Only for a Redis with replicas (a cluster): on a single Redis every append would fall back to PostgreSQL.
    /// </summary>
    public int ReplicaAcks { get; set; }

    /// <summary>How long an append waits for <see cref="ReplicaAcks"/> replicas.</summary>
    public int ReplicaAckTimeoutMs { get; set; } = 100;

    /// <summary>Entries a drainer reads and commits at a time (each holds one request's events); at most 5,000.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Pause after a read that found less than a full batch, so the next commit carries more.</summary>
    public int PollDelayMs { get; set; } = 2;

    /// <summary>The pause after empty reads doubles up to this, so an idle replica does not poll Redis hundreds of times a second.</summary>
    public int IdlePollDelayMs { get; set; } = 50;

    /// <summary>An entry read but not acknowledged for this long belongs to a consumer presumed dead and is claimed by another.</summary>
    public int ClaimIdleMs { get; set; } = 30_000;

    /// <summary>How often a drainer looks for such entries.</summary>
    public int ClaimIntervalMs { get; set; } = 5_000;

    /// <summary>Pause before trying again after Redis or PostgreSQL failed.</summary>
    public int RetryDelayMs { get; set; } = 1_000;
}
