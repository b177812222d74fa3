using StackExchange.Redis.Configuration;

namespace Billing.Infrastructure.Caching;

/// <summary>
/// Timeouts for a Redis the service can run without: StackExchange.Redis's own 5 s, spent by each of the several calls
/// of a metered request, would hold a request for many seconds before the PostgreSQL fallback answers. Timeouts set
/// in the connection string still win over these defaults.
/// </summary>
internal sealed class RedisCacheDefaults(RedisClientOptions options) : DefaultOptionsProvider
{
    // As Aspire's defaults: keep reconnecting in the background instead of failing start-up.
    public override bool AbortOnConnectFail => false;

    public override TimeSpan? ConnectTimeout => TimeSpan.FromMilliseconds(options.ConnectTimeoutMs);

    public override TimeSpan SyncTimeout => TimeSpan.FromMilliseconds(options.OperationTimeoutMs);
}
