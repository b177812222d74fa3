using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// <see cref="HealthStatus.Degraded"/> while the usage buffer or the usage stream is near its bound (80%) or past it:
/// PostgreSQL is not keeping up with, or not taking, metered usage, and past the bound metered requests wait for
/// PostgreSQL or are refused (503). The stream's length is read once per probe, and is shared by every replica.
/// </summary>
public sealed class UsageBacklogHealth(UsageRecordBuffer buffer, UsageStream stream) : IHealthCheck
{
    /// <summary>The share of a bound from which health reports the backlog, before requests are turned away.</summary>
    public const double NearBound = 0.8;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        if (buffer.Count >= NearBound * buffer.MaxEvents)
        {
            problems.Add($"the usage buffer holds {buffer.Count} of at most {buffer.MaxEvents} events");
        }

        try
        {
            var length = await stream.LengthAsync();
            if (length >= NearBound * stream.MaxLength)
            {
                problems.Add($"the usage stream holds {length} of at most {stream.MaxLength} entries not yet in PostgreSQL");
            }
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // Redis being unreachable is reported by its own check; the stream is not used meanwhile.
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy("Metered usage reaches PostgreSQL.")
            : HealthCheckResult.Degraded(string.Join("; ", problems) + ": PostgreSQL is behind or unavailable.");
    }
}
