using Billing.Infrastructure.Data.Migrations;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Billing.Infrastructure.Tests.Data;

/// <summary>Events stored before duplicates moved to <c>usage_event_ids</c> keep deduplicating after the migration.</summary>
public sealed class EventIdsTableMigrationTests(DataStoresFixture stores)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_ids_of_events_stored_before_the_migration_still_refuse_their_duplicates()
    {
        var database = await stores.CreateDatabaseAsync();
        var connectionString = database.Superuser;
        // Migrated by the owner's login, as the migration service migrates; the old rows are written as a superuser.
        await using var db = DataStoresFixture.CreateDbContext(database.Owner);
        var migrator = db.GetService<IMigrator>();
        var before = db.Database.GetMigrations().TakeWhile(m => !m.EndsWith(nameof(EventIdsTable), StringComparison.Ordinal)).Last();
        await migrator.MigrateAsync(before, Token);
        var tenant = Guid.NewGuid();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(Token);
            await using var old = new NpgsqlCommand("""
                INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, received_at)
                VALUES (@t, 'before-1', 'api_calls', 1, now(), now() - interval '2 days'), (@t, 'before-2', 'api_calls', 1, now(), now())
                """, connection);
            old.Parameters.AddWithValue("t", tenant);
            await old.ExecuteNonQueryAsync(Token);
        }

        await migrator.MigrateAsync(cancellationToken: Token);

        await using var ingestion = new IngestionDataSource(database.Api);
        await using var copying = await ingestion.OpenConnectionAsync(Token);
        var at = DateTimeOffset.UtcNow;
        NewUsageEvent Event(string id) => new(tenant, id, "api_calls", 1, at, at, null, null);
        Assert.Null(await UsageEventStore.TryCopyAsync(copying, [Event("before-1"), Event("after")], Token));
        await using var api = new NpgsqlConnection(database.Api);
        await api.OpenAsync(Token);
        var inserted = await UsageEventStore.InsertByTenantAsync(api, [Event("after"), Event("before-1"), Event("before-2")], Token);
        Assert.Equal(1, inserted.Count);
        Assert.True(inserted.Contains((tenant, "after")));
        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync(Token);
        await using var ids = new NpgsqlCommand("SELECT count(*) FROM usage_event_ids WHERE received_at < now() - interval '1 day'", check);
        Assert.Equal(1L, await ids.ExecuteScalarAsync(Token));
        await using var events = new NpgsqlCommand("SELECT count(*) FROM usage_events", check);
        Assert.Equal(3L, await events.ExecuteScalarAsync(Token));
    }
}
