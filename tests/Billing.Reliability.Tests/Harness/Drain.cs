using Billing.Reliability.Tests.Load;
using Npgsql;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// After the load: waits for the usage stream to be committed, then runs the workers' aggregation and submission
/// (triggered as an operator triggers them) until nothing is left to do. Whatever never finishes is returned as text.
/// </summary>
public static class Drain
{
    /// <summary>How long the stream's entries a dead replica left may take to be committed by another.</summary>
    private static readonly TimeSpan TakeOver = TimeSpan.FromSeconds(35);

    public static async Task<List<string>> RunAsync(ReliabilitySystem system, IReadOnlyList<LoadTenant> tenants, Tally tally, CancellationToken cancellationToken)
    {
        var stuck = new List<string>();
        var confirmed = tally.Confirmed.Where(c => tenants.Any(t => t.Id == c.Key.Tenant)).Sum(c => c.Value);

        // Metered usage reaches usage_events through the Redis stream; a dead replica's entries are taken over after 30 s.
        long last = -1;
        var stableSince = DateTime.UtcNow;
        var deadline = DateTime.UtcNow.AddSeconds(75);
        while (DateTime.UtcNow < deadline)
        {
            var events = await Ledgers.EventsAsync(system, tenants, cancellationToken);
            if (events != last)
            {
                (last, stableSince) = (events, DateTime.UtcNow);
            }
            else if (DateTime.UtcNow - stableSince > (events >= confirmed ? TimeSpan.FromSeconds(2) : TakeOver))
            {
                break;
            }

            await Task.Delay(500, cancellationToken);
        }

        if (!await UntilAsync(system, HangfireJobs.Aggregation, """
                SELECT count(*) = 0 FROM usage_events WHERE aggregated_at IS NULL AND set_aside_at IS NULL
                """, tenants, TimeSpan.FromSeconds(60), cancellationToken))
        {
            stuck.Add("aggregation did not finish within 60 s");
        }

        if (!await UntilAsync(system, HangfireJobs.Submission, """
                SELECT NOT EXISTS (SELECT 1 FROM usage_aggregates WHERE submission_pending AND tenant_id = ANY(@t))
                   AND NOT EXISTS (SELECT 1 FROM meter_submissions WHERE status = 'pending' AND tenant_id = ANY(@t))
                """, tenants, TimeSpan.FromSeconds(60), cancellationToken))
        {
            stuck.Add("submission did not finish within 60 s");
        }

        await using var connection = await system.OpenAsync(cancellationToken);
        await using var failed = new NpgsqlCommand(
            "SELECT count(*) FROM meter_submissions WHERE status NOT IN ('sent', 'pending') AND tenant_id = ANY(@t)", connection);
        failed.Parameters.AddWithValue("t", tenants.Select(t => t.Id).ToArray());
        if ((long)(await failed.ExecuteScalarAsync(cancellationToken))! is > 0 and var count)
        {
            stuck.Add($"{count} meter submissions failed or skipped");
        }

        return stuck;
    }

    /// <summary>Triggers the job every few seconds until <paramref name="doneSql"/> holds.</summary>
    private static async Task<bool> UntilAsync(ReliabilitySystem system, string job, string doneSql, IReadOnlyList<LoadTenant> tenants, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        var nextTrigger = DateTime.MinValue;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var connection = await system.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand(doneSql, connection);
                command.Parameters.AddWithValue("t", tenants.Select(t => t.Id).ToArray());
                if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
                {
                    return true;
                }

                if (DateTime.UtcNow >= nextTrigger)
                {
                    await system.Jobs.TriggerUnlessQueuedAsync(job, cancellationToken);
                    nextTrigger = DateTime.UtcNow.AddSeconds(3);
                }
            }
            catch (NpgsqlException)
            {
                // The database may still be coming back from a fault.
            }

            await Task.Delay(250, cancellationToken);
        }

        return false;
    }
}
