using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Billing.Infrastructure.Quotas;

/// <summary>
/// <see cref="HealthStatus.Degraded"/> while Redis does not answer: quota decisions and usage reads
/// then fall back to PostgreSQL and stay correct, only slower, so the service is not unhealthy.
/// </summary>
public sealed class QuotaHealth(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy("Quota counters in Redis.");
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            return HealthCheckResult.Degraded("Redis unreachable: quota decisions and usage reads fall back to PostgreSQL.", e);
        }
    }
}
