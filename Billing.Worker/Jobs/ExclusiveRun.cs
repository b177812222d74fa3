using Npgsql;

namespace Billing.Worker.Jobs;

/// <summary>
/// One run of a recurring job at a time across every worker, held by a PostgreSQL session advisory lock. Unlike Hangfire's
/// <c>DisableConcurrentExecution</c> (a row in its lock table, kept for up to ten minutes after a worker is killed, with
/// later runs queueing behind it), the lock dies with the holder's connection, and a run that finds it taken ends at
/// once: the next scheduled run catches up.
/// </summary>
public sealed class ExclusiveRun(NpgsqlDataSource dataSource, ILogger<ExclusiveRun> logger)
{
    /// <summary>The lock for <paramref name="job"/>, or null when another run holds it; dispose to release.</summary>
    public async Task<IAsyncDisposable?> TryEnterAsync(string job, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", connection);
        command.Parameters.AddWithValue("key", $"job:{job}");
        if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
        {
            return new Held(connection, job);
        }

        await connection.DisposeAsync();
        logger.LogInformation("{Job} is already running on another worker; this run ends and the next one catches up", job);
        return null;
    }

    private sealed class Held(NpgsqlConnection connection, string job) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (connection)
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", connection);
                command.Parameters.AddWithValue("key", $"job:{job}");
                await command.ExecuteScalarAsync();
            }
        }
    }
}
