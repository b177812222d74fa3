using Billing.Infrastructure.Data;
using Billing.Testing;
using Npgsql;

namespace Billing.MigrationService.Tests;

/// <summary>Hangfire's schema is the owner's: the worker's login reads and writes its rows and can change nothing else.</summary>
public sealed class HangfireSchemaTests(DataStoresFixture stores)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<object?> RunAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Token);
    }

    [Fact]
    public async Task The_worker_uses_every_hangfire_table_and_alters_none_while_the_tenant_role_reaches_none()
    {
        var database = await stores.CreateMigratedDatabaseAsync();

        await HangfireSchema.PrepareAsync(database.Owner, Token);

        // Every table the owner's, every row the worker's to read and write.
        Assert.Equal(0L, await RunAsync(database.Superuser, $"""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'hangfire' AND c.relkind = 'r'
              AND (pg_get_userbyid(c.relowner) <> '{DatabaseRoles.Owner}'
                   OR NOT has_table_privilege('{DatabaseRoles.Worker}', c.oid, 'SELECT, INSERT, UPDATE, DELETE'))
            """));
        Assert.Equal(1L, await RunAsync(database.Worker, "WITH added AS (INSERT INTO hangfire.counter (key, value) VALUES ('probe', 1) RETURNING 1) SELECT count(*) FROM added"));
        foreach (var statement in new[] { "CREATE TABLE hangfire.smuggled (id int)", "ALTER TABLE hangfire.job ADD COLUMN smuggled int", "TRUNCATE hangfire.job", "DROP TABLE hangfire.lock" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(database.Worker, statement));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        var tenant = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(database.Api, $"SET ROLE {DatabaseRoles.Tenant}; SELECT count(*) FROM hangfire.job"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, tenant.SqlState);
    }
}
