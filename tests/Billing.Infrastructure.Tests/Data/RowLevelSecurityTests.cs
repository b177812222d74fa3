using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Tenancy;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Infrastructure.Tests.Data;

/// <summary>
/// PostgreSQL itself keeps tenants apart: a query that forgets its tenant filter still sees only its tenant. Run on the
/// API's login, with the API's interceptor (the operator's role outside a tenant's scope).
/// </summary>
public sealed class RowLevelSecurityTests(DataStoresFixture stores)
{
    private static readonly Guid A = Guid.NewGuid();
    private static readonly Guid B = Guid.NewGuid();

    private async Task<TestDatabase> SeedTwoTenantsAsync()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var db = DataStoresFixture.CreateDbContext(database.Superuser);
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, name) in new[] { (A, "A"), (B, "B") })
        {
            db.Tenants.Add(new Tenant { Id = id, Name = name, Plan = "free", CreatedAt = now, UpdatedAt = now });
            db.UsageEvents.Add(new UsageEvent { TenantId = id, EventId = $"{name}-1", Metric = "api_calls", Value = 1, OccurredAt = now });
            db.AuditLog.Add(new AuditEntry { TenantId = id, Actor = "test", Action = "seeded", CreatedAt = now });
        }

        await db.SaveChangesAsync();
        return database;
    }

    /// <summary>A context configured as the API configures its own: its login, and the tenant-session interceptor.</summary>
    private static Billing.Infrastructure.Data.BillingDbContext Context(TestDatabase database) =>
        new(new DbContextOptionsBuilder<Billing.Infrastructure.Data.BillingDbContext>()
            .UseNpgsql(database.Api).AddInterceptors(new TenantSessionInterceptor(DatabaseRoles.Operator)).Options);

    [Fact]
    public async Task An_unfiltered_query_in_tenant_As_scope_sees_none_of_Bs_rows()
    {
        var database = await SeedTwoTenantsAsync();
        await using var db = Context(database);

        List<Guid> tenants, eventTenants, auditTenants;
        using (TenantScope.Enter(A))
        {
            tenants = await db.Tenants.Select(t => t.Id).ToListAsync(TestContext.Current.CancellationToken);
            eventTenants = await db.UsageEvents.Select(e => e.TenantId).ToListAsync(TestContext.Current.CancellationToken);
            auditTenants = await db.AuditLog.Select(a => a.TenantId!.Value).ToListAsync(TestContext.Current.CancellationToken);
        }

        var outside = await db.Tenants.CountAsync(TestContext.Current.CancellationToken);

        Assert.Equal([A], tenants);
        Assert.Equal([A], eventTenants);
        Assert.Equal([A], auditTenants);
        Assert.Equal(2, outside);
    }

    [Fact]
    public async Task Writing_a_row_for_another_tenant_is_refused_by_the_policy()
    {
        var database = await SeedTwoTenantsAsync();
        await using var db = Context(database);

        using (TenantScope.Enter(A))
        {
            db.UsageEvents.Add(new UsageEvent { TenantId = B, EventId = "smuggled", Metric = "api_calls", Value = 99, OccurredAt = DateTimeOffset.UtcNow });
            var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
            Assert.Contains("row-level security", error.InnerException!.Message);
        }

        await using var check = new NpgsqlConnection(database.Superuser);
        await check.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_events WHERE event_id = 'smuggled'", check);
        Assert.Equal(0L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_role_alone_without_a_tenant_sees_nothing()
    {
        var database = await SeedTwoTenantsAsync();
        await using var connection = new NpgsqlConnection(database.Api);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SET ROLE billing_tenant; SELECT count(*) FROM tenants;", connection);

        Assert.Equal(0L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Every_table_with_a_tenant_column_forces_row_level_security_and_has_a_tenant_policy()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        // Forced: the owner is subject to the policies too, so no table is reached around them.
        await using var command = new NpgsqlCommand("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polroles = ARRAY['billing_tenant'::regrole::oid])
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
              AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM information_schema.columns k WHERE k.table_schema = 'public' AND k.table_name = c.relname AND k.column_name = 'tenant_id'))
            ORDER BY c.relname
            """, connection);
        var tables = new List<(string, bool, bool, bool)>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            tables.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3)));
        }

        Assert.Equal(14, tables.Count);
        Assert.All(tables, t => Assert.Equal((t.Item1, true, true, true), t));
    }
}
