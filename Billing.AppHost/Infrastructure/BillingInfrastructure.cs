namespace Billing.AppHost.Infrastructure;

/// <summary>The data stores every service uses, whichever way they are run.</summary>
/// <param name="Database">PostgreSQL database <c>billingdb</c>, as the superuser (the migration service's admin connection only).</param>
/// <param name="Logins">The services' own database logins.</param>
/// <param name="Cache">Redis, connection name <c>redis</c>.</param>
/// <param name="Mode">How they run.</param>
/// <param name="DataDirectory">The git-ignored folder for local state (local data stores, the emulator's file, secrets); empty when publishing.</param>
public sealed record BillingInfrastructure(
    IResourceBuilder<IResourceWithConnectionString> Database,
    DatabaseLogins Logins,
    IResourceBuilder<IResourceWithConnectionString> Cache,
    InfrastructureMode Mode,
    string DataDirectory)
{
    public const string DatabaseName = "billingdb";
    public const string CacheName = "redis";

    /// <summary>The usage stream's shards (<c>UsageStream:Shards</c>) the services are given: more than one on a Redis Cluster.</summary>
    public int UsageStreamShards { get; init; } = 1;
}
