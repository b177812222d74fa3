using Billing.Infrastructure.Data.Migrations;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Billing.Infrastructure.Tests.Data;

/// <summary>Keys issued before scopes existed keep every scope; afterwards no key is stored without a known scope.</summary>
public sealed class ApiKeyScopesMigrationTests(DataStoresFixture stores)
{
    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static string InsertKey(string tenant, string prefix, string? scopes) => $"""
        INSERT INTO api_keys (id, tenant_id, name, prefix, hash, created_at{(scopes is null ? "" : ", scopes")})
        VALUES (gen_random_uuid(), '{tenant}', 'k', '{prefix}', decode(md5(random()::text), 'hex'), now(){(scopes is null ? "" : $", {scopes}")});
        """;

    [Fact]
    public async Task Keys_issued_before_scopes_keep_every_scope()
    {
        var name = await stores.Postgres.CreateDatabaseAsync();
        var connectionString = stores.Postgres.ConnectionString(name);
        // Migrated by the owner's login, as the migration service migrates; the old rows are written as a superuser.
        await using var db = DataStoresFixture.CreateDbContext(stores.Postgres.Login(name, stores.Postgres.Logins.Owner, stores.Postgres.Logins.OwnerPassword));
        var migrator = db.GetService<IMigrator>();
        var before = db.Database.GetMigrations().TakeWhile(m => !m.EndsWith(nameof(ApiKeyScopes), StringComparison.Ordinal)).Last();
        await migrator.MigrateAsync(before, TestContext.Current.CancellationToken);
        var tenant = Guid.NewGuid();
        await ExecuteAsync(connectionString, $"INSERT INTO tenants (id, name, plan, status, created_at, updated_at) VALUES ('{tenant}', 'Old', 'free', 'active', now(), now());"
            + InsertKey(tenant.ToString(), "bk_old", null));

        await migrator.MigrateAsync(cancellationToken: TestContext.Current.CancellationToken);

        var old = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Prefix == "bk_old", TestContext.Current.CancellationToken);
        Assert.Equal(["ingest", "read", "manage"], old.Scopes);
        Assert.Null(old.ExpiresAt);
        // Afterwards the column has no default: a key inserted without scopes is refused instead of getting them all.
        var withoutScopes = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connectionString, InsertKey(tenant.ToString(), "bk_new", null)));
        Assert.Equal(PostgresErrorCodes.NotNullViolation, withoutScopes.SqlState);
    }

    [Theory]
    [InlineData("ARRAY[]::text[]")]
    [InlineData("ARRAY['ingest', 'admin']")]
    [InlineData("ARRAY['READ']")]
    public async Task The_database_refuses_a_key_without_a_known_scope(string scopes)
    {
        var connectionString = (await stores.CreateMigratedDatabaseAsync()).Superuser;
        var tenant = Guid.NewGuid();
        await ExecuteAsync(connectionString, $"INSERT INTO tenants (id, name, plan, status, created_at, updated_at) VALUES ('{tenant}', 'T', 'free', 'active', now(), now());");

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connectionString, InsertKey(tenant.ToString(), "bk_bad", scopes)));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Equal("ck_api_keys_scopes", error.ConstraintName);
    }
}
