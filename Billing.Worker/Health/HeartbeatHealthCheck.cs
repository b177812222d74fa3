using Billing.Infrastructure.Data;
using Billing.Worker.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Billing.Worker.Health;

/// <summary>Healthy while the minutely heartbeat job has run recently: proof that Hangfire executes jobs.</summary>
public sealed class HeartbeatHealthCheck(BillingDbContext db, TimeProvider clock) : IHealthCheck
{
    /// <summary>Two missed minutely runs and a margin.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var heartbeat = await db.WorkerHeartbeats.AsNoTracking().FirstOrDefaultAsync(h => h.Job == HeartbeatJob.Name, cancellationToken);
        if (heartbeat is null)
        {
            return HealthCheckResult.Unhealthy("The heartbeat job has not run yet.");
        }

        var age = clock.GetUtcNow() - heartbeat.LastRunAt;
        var data = new Dictionary<string, object> { ["lastRunAt"] = heartbeat.LastRunAt, ["runs"] = heartbeat.Runs };
        return age <= MaxAge
            ? HealthCheckResult.Healthy($"Last heartbeat {age.TotalSeconds:F0} s ago.", data)
            : HealthCheckResult.Unhealthy($"Last heartbeat {age.TotalMinutes:F1} min ago.", data: data);
    }
}
