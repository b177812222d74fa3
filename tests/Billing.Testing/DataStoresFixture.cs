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
    }

    /// <summary>A fresh database with every migration applied.</summary>
    public async Task<string> CreateMigratedDatabaseAsync()
    {
        var connectionString = await Postgres.CreateDatabaseAsync();
        await using var db = CreateDbContext(connectionString);
        await db.Database.MigrateAsync();
        return connectionString;
    }

    public static BillingDbContext CreateDbContext(string connectionString) =>
        new(new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(connectionString).Options);

    public async ValueTask DisposeAsync()
    {
        await Postgres.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
