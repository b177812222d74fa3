namespace Billing.Infrastructure.Metering;

/// <summary>
/// The in-process buffer between metered requests and the usage stream, and the local quota views it feeds
/// (configuration section <c>UsageBuffer</c>). See docs/metering-pipeline.md for the crash window it opens.
/// </summary>
public sealed class UsageBufferOptions
{
    public const string SectionName = "UsageBuffer";

    /// <summary>
    /// Metered requests hand their usage to the buffer and answer without waiting for Redis; a background flusher sends
    /// it as one stream entry every <see cref="FlushIntervalMs"/>, and soft-capped or uncapped quotas are decided from
    /// local views of the counters. A hard crash (kill -9) then loses what was buffered since the last flush. Turn it off
    /// for zero loss on a crash: each request appends its usage to the stream before it answers, and every quota is
    /// decided in Redis, as before. Applies only while the usage stream is enabled.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long usage may wait in the buffer: the most a hard crash can lose, in time.</summary>
    public int FlushIntervalMs { get; set; } = 5;

    /// <summary>A flush starts at once when this many events are waiting; also the most events one stream entry holds.</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>
    /// The most events the buffer holds, counting those of a flush in progress or waiting to be tried again (while neither
    /// the stream nor PostgreSQL takes them). Past it, a metered request records its usage itself before it answers, as
    /// with buffering off, and is refused (503) when nothing stores it. At some 400 bytes an event, 100,000 is about 40 MB.
    /// </summary>
    public int MaxEvents { get; set; } = 100_000;

    /// <summary>
    /// A soft-capped or uncapped quota is decided from a local view no older than this (every flush touching the counter
    /// renews it); an older one is read again from Redis first. It bounds how long another replica's usage can stay unseen.
    /// </summary>
    public int ViewMaxAgeMs { get; set; } = 1000;

    /// <summary>Pause before a flush that could not be stored anywhere (Redis and PostgreSQL both failed) is tried again.</summary>
    public int RetryDelayMs { get; set; } = 1000;
}
