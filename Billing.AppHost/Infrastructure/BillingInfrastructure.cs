namespace Billing.AppHost.Infrastructure;

/// <summary>The data stores every service uses, whichever way they are run.</summary>
/// <param name="Database">PostgreSQL database <c>billingdb</c>.</param>
/// <param name="Cache">Redis, connection name <c>redis</c>.</param>
/// <param name="Mode">How they run.</param>
/// <param name="DataDirectory">The git-ignored folder for local state (local data stores, the emulator's file, secrets); empty when publishing.</param>
public sealed record BillingInfrastructure(
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Cache,
    InfrastructureMode Mode,
    string DataDirectory)
{
    public const string DatabaseName = "billingdb";
    public const string CacheName = "redis";
}
