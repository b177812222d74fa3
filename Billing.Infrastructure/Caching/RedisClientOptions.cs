namespace Billing.Infrastructure.Caching;

/// <summary>How long a Redis call may take before the service falls back to PostgreSQL (configuration section <c>Redis</c>).</summary>
public sealed class RedisClientOptions
{
    public const string SectionName = "Redis";

    /// <summary>Time allowed to connect (StackExchange.Redis's default is 5 s).</summary>
    public int ConnectTimeoutMs { get; set; } = 1000;

    /// <summary>Time allowed for one command, sync or async (StackExchange.Redis's default is 5 s).</summary>
    public int OperationTimeoutMs { get; set; } = 1000;
}
