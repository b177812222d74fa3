using Billing.Infrastructure.Data;
using Billing.Testing;
using Hangfire.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Billing.MigrationService.Tests;

/// <summary>
/// Given the superuser's connection, the migration service creates the logins and takes over a database that an earlier
/// version migrated as the superuser (with Hangfire's schema made by the worker), then migrates it as the owner.
/// </summary>
public sealed class LoginProvisioningTests(DataStoresFixture stores)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_database_an_earlier_version_made_as_the_superuser_ends_owned_by_the_owner_and_fully_migrated()
    {
        var name = $"earlier_{Guid.NewGuid():N}";
        var postgres = stores.Postgres;
        await using (var server = new NpgsqlConnection(postgres.ConnectionString()))
        {
            await server.OpenAsync(Token);
            await new NpgsqlCommand($"CREATE DATABASE \"{name}\"", server).ExecuteNonQueryAsync(Token);
        }

        var superuser = postgres.ConnectionString(name);
        await using (var db = DataStoresFixture.CreateDbContext(superuser))
        {
            await db.GetService<IMigrator>().MigrateAsync("20261201184508_MeterSubmissionPipeline", Token);
        }

        await using (var connection = new NpgsqlConnection(superuser))
        {
            await connection.OpenAsync(Token);
            PostgreSqlObjectsInstaller.Install(connection, HangfireStorage.Schema);
        }

        var (exitCode, output) = await MigrationServiceProcess.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__billingdb-owner"] = postgres.Login(name, postgres.Logins.Owner, postgres.Logins.OwnerPassword),
            ["ConnectionStrings__billingdb-admin"] = superuser,
            // The cluster's logins already have these passwords: the tests running beside this one keep connecting.
            ["DatabaseLogins__ApiPassword"] = postgres.Logins.ApiPassword,
            ["DatabaseLogins__WorkerPassword"] = postgres.Logins.WorkerPassword,
        });

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{output}");
        await using var check = new NpgsqlConnection(superuser);
        await check.OpenAsync(Token);
        await using var owners = new NpgsqlCommand("""
            SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()),
                   (SELECT string_agg(DISTINCT pg_get_userbyid(c.relowner), ', ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname IN ('public', 'hangfire') AND c.relkind IN ('r', 'S')),
                   (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'hangfire'),
                   (SELECT count(*) FROM "__EFMigrationsHistory" WHERE "MigrationId" LIKE '%_LeastPrivilegeRoles')
            """, check);
        await using var reader = await owners.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));
        Assert.Equal((DatabaseRoles.Owner, DatabaseRoles.Owner, DatabaseRoles.Owner, 1L),
            (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
    }
}
