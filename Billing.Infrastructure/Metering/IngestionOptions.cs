namespace Billing.Infrastructure.Metering;

/// <summary>Group commit of usage events (configuration section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>
    /// How long the first request of a group waits for company before the group commits, from its arrival. Under load
    /// the groups form anyway while the writers are busy committing; the window matters when they are idle.
    /// </summary>
    public int GroupCommitWindowMs { get; set; } = 1;

    /// <summary>A group commits at once when it holds this many events.</summary>
    public int MaxEventsPerGroup { get; set; } = 5000;

    /// <summary>A group that already holds this many events commits without waiting out the window: company adds little to it.</summary>
    public int CommitWithoutWaitEvents { get; set; } = 256;

    /// <summary>Groups committing in parallel (each on its own connection).</summary>
    public int Writers { get; set; } = 2;

    /// <summary>Requests waiting for a group before new ones wait for room (back-pressure).</summary>
    public int QueueCapacity { get; set; } = 20_000;
}
