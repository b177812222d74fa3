using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Billing.Testing;

/// <summary>
/// One PostgreSQL and one Redis server per test assembly (use with <c>[assembly: AssemblyFixture]</c>);
/// each test class takes its own migrated database so classes never see each other's rows.
/// </summary>
public sealed class DataStoresFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; } = new();
    public RedisServer Redis { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Postgres.StartAsync(), Redis.StartAsync());
        await Postgres.CreateLoginsAsync();
    }

    /// <summary>A fresh database with every migration applied by the owner's login, as the migration service applies them.</summary>
    public async Task<TestDatabase> CreateMigratedDatabaseAsync()
    {
        var database = await CreateDatabaseAsync();
        await using var db = CreateDbContext(database.Owner);
        await db.Database.MigrateAsync();
        return database;
    }

    /// <summary>A fresh, empty database owned by the owner's login: what the migration service finds on a first deployment.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = await Postgres.CreateDatabaseAsync();
        var logins = Postgres.Logins;
        return new TestDatabase(
            Postgres.ConnectionString(name),
            Postgres.Login(name, logins.Owner, logins.OwnerPassword),
            Postgres.Login(name, DatabaseRoles.Api, logins.ApiPassword),
            Postgres.Login(name, DatabaseRoles.Worker, logins.WorkerPassword));
    }

    public static BillingDbContext CreateDbContext(string connectionString) =>
        new(new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(connectionString).Options);

    public async ValueTask DisposeAsync()
    {
        await Postgres.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
