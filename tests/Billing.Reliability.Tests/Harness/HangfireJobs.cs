using System.Globalization;
using System.Text.Json;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Tenancy;
using Billing.Worker.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// The workers' recurring jobs as the operator's "Trigger now" runs them (enqueued into Hangfire's storage, taken by
/// whichever worker polls first), and which worker process is running one at the moment.
/// </summary>
public sealed class HangfireJobs(string connectionString)
{
    private readonly RecurringJobManager _manager = new(new PostgreSqlStorage(
        new NpgsqlConnectionFactory(connectionString, Options), Options));

    private static PostgreSqlStorageOptions Options => new() { SchemaName = HangfireStorage.Schema, PrepareSchemaIfNecessary = false };

    public const string Aggregation = AggregateUsageJob.Name;
    public const string Submission = SubmitUsageJob.Name;

    public void Trigger(string recurringJobId) => _manager.Trigger(recurringJobId);

    /// <summary>
    /// Triggers the job unless a run of it already waits in the queue, so the suite never piles runs up behind the job's
    /// concurrency lock itself.
    /// </summary>
    public async Task TriggerUnlessQueuedAsync(string recurringJobId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FROM {HangfireStorage.Schema}.job WHERE statename = 'Enqueued' AND invocationdata::text LIKE @type
            """, connection);
        command.Parameters.AddWithValue("type", $"%{JobType(recurringJobId)}%");
        if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            Trigger(recurringJobId);
        }
    }

    private static string[] Locks(string recurringJobId) => recurringJobId == Aggregation
        ? [.. Enumerable.Range(0, TenantLane.MaxCount).Select(lane => "job:" + AggregateUsageJob.LaneName(lane))]
        : [.. Enumerable.Range(0, TenantLane.MaxCount).Select(lane => "job:" + SubmitUsageJob.LaneName(lane))];

    /// <summary>Enqueues every lane's aggregation job at once, as their common schedule does each minute.</summary>
    public void TriggerLanes(int lanes)
    {
        for (var lane = 0; lane < lanes; lane++)
        {
            Trigger(AggregateUsageJob.LaneName(lane));
        }
    }

    /// <summary>The process ids of the workers that ran a lane's aggregation job to its end, and how many runs each.</summary>
    public async Task<Dictionary<int, int>> LaneRunsByProcessAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT s.data FROM {HangfireStorage.Schema}.job j JOIN {HangfireStorage.Schema}.state s ON s.jobid = j.id
            WHERE s.name = 'Processing' AND j.statename = 'Succeeded' AND j.invocationdata::text LIKE '%RunLaneAsync%'
            """, connection);
        var runs = new Dictionary<int, int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var pid = ProcessOf(reader.GetString(0));
            runs[pid] = runs.GetValueOrDefault(pid) + 1;
        }

        return runs;
    }

    // Hangfire's server id is "<machine>:<process id>:<guid>".
    private static int ProcessOf(string stateData) =>
        int.Parse(JsonDocument.Parse(stateData).RootElement.GetProperty("ServerId").GetString()!.Split(':')[^2], CultureInfo.InvariantCulture);

    private static string JobType(string recurringJobId) => recurringJobId == Aggregation ? nameof(AggregateUsageJob) : nameof(SubmitUsageJob);

    /// <summary>
    /// The process id of the worker running the recurring job <paramref name="recurringJobId"/> now, past taking the job's
    /// concurrency lock (<c>ExclusiveRun</c>'s advisory lock, keyed by the job's name), if one is.
    /// </summary>
    public async Task<int?> ProcessingPidAsync(string recurringJobId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT s.data FROM {HangfireStorage.Schema}.job j JOIN {HangfireStorage.Schema}.state s ON s.id = j.stateid
            WHERE j.statename = 'Processing' AND j.invocationdata::text LIKE @type
              AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                          AND ((l.classid::bigint << 32) | l.objid::bigint) IN (SELECT hashtextextended(k, 0) FROM unnest(@locks) AS k))
            ORDER BY j.id DESC LIMIT 1
            """, connection);
        command.Parameters.AddWithValue("type", $"%{JobType(recurringJobId)}%");
        // The job's ExclusiveRun locks (one per lane): 64-bit advisory keys, the high half in classid and the low half in objid.
        command.Parameters.AddWithValue("locks", Locks(recurringJobId));
        if (await command.ExecuteScalarAsync(cancellationToken) is not string data)
        {
            return null;
        }

        return ProcessOf(data);
    }
}
