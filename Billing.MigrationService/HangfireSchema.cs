using Billing.Infrastructure.Data;
using Hangfire.PostgreSql;
using Npgsql;

namespace Billing.MigrationService;

/// <summary>
/// Creates or upgrades Hangfire's schema as its owner, then lets the worker's login use it: read and write the rows of
/// every table Hangfire has and draw ids from its sequences, nothing more. Hangfire in the worker therefore never runs
/// DDL (its schema preparation is off), and a newer Hangfire.PostgreSql is upgraded here, with the migrations.
/// </summary>
public static class HangfireSchema
{
    public static async Task PrepareAsync(string ownerConnectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);
        PostgreSqlObjectsInstaller.Install(connection, HangfireStorage.Schema);
        await using var grant = new NpgsqlCommand($"""
            GRANT USAGE ON SCHEMA {HangfireStorage.Schema} TO {DatabaseRoles.Worker};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {HangfireStorage.Schema} TO {DatabaseRoles.Worker};
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA {HangfireStorage.Schema} TO {DatabaseRoles.Worker};
            """, connection);
        await grant.ExecuteNonQueryAsync(cancellationToken);
    }
}
