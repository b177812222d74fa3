namespace Billing.Api.ApiKeys;

/// <summary>Limits of tenant API keys and how their last use is written (configuration section <c>ApiKeys</c>).</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    /// <summary>Keys a tenant may hold at once (neither revoked nor expired).</summary>
    public int MaxActivePerTenant { get; set; } = 50;

    /// <summary>How often the last use of keys is written to the database: once per interval per key, not per request.</summary>
    public int LastUsedFlushSeconds { get; set; } = 60;

    /// <summary>Keys whose last use is held in memory until the next write, at most; past it, more are noted after that write.</summary>
    public int MaxPendingLastUsed { get; set; } = 100_000;
}
