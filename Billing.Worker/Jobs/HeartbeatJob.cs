using Billing.Infrastructure.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Billing.Worker.Jobs;

/// <summary>Records that the worker's recurring jobs run: the health check reads the last run.</summary>
public sealed class HeartbeatJob(BillingDbContext db, TimeProvider clock)
{
    public const string Name = "heartbeat";

    // No Hangfire retry: a missed beat is what health should see; the next minute's run beats again.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var host = Environment.MachineName;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO worker_heartbeats (job, last_run_at, runs, host) VALUES ({Name}, {now}, 1, {host})
            ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, runs = worker_heartbeats.runs + 1, host = excluded.host
            """, cancellationToken);
    }
}
