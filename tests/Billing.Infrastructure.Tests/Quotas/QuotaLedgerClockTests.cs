using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;
using Billing.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Infrastructure.Tests.Quotas;

/// <summary>
/// A quota decided in PostgreSQL (Redis unreachable) records its unit stamped by the services' clock, the one that chose
/// the period, so the unit is aggregated and billed in that period even when the clock is not the system's.
/// </summary>
public sealed class QuotaLedgerClockTests(DataStoresFixture stores)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_unit_recorded_without_Redis_is_stamped_by_the_services_clock()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var tenant = Guid.NewGuid();
        await using (var connection = new NpgsqlConnection(database.Superuser))
        {
            await connection.OpenAsync(Token);
            await using var seed = new NpgsqlCommand(
                "INSERT INTO tenants (id, name, plan, status, created_at, updated_at) VALUES (@t, 'clock', 'standard', 'active', now(), now())", connection);
            seed.Parameters.AddWithValue("t", tenant);
            await seed.ExecuteNonQueryAsync(Token);
        }

        var clock = new ShiftedClock { Offset = TimeSpan.FromDays(40) };
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = database.Api,
            ["ConnectionStrings:redis"] = $"127.0.0.1:{LocalServerProcess.FreePort()},abortConnect=false,connectTimeout=200,connectRetry=0",
        });
        builder.AddBillingDatabase(roleOutsideTenantScope: DatabaseRoles.Operator).AddBillingCache().AddBillingMetering();
        builder.Services.AddSingleton<TimeProvider>(clock);
        using var api = builder.Build();
        var now = clock.GetUtcNow();
        var period = BillingPeriod.Containing(now.AddDays(-3), now);

        using (TenantScope.Enter(tenant))
        {
            var decided = await api.Services.GetRequiredService<QuotaLedger>().DecideAsync(tenant,
                new Quota(Metric.ApiCalls, Included: 100, CapMode.Hard, GracePercent: 0, Overage: null), period, 1, reserve: true,
                idempotencyKey: null, eventId: "decided-in-postgresql", Token);
            Assert.True(decided.Reserved);
        }

        await using var read = new NpgsqlConnection(database.Superuser);
        await read.OpenAsync(Token);
        await using var stamped = new NpgsqlCommand("SELECT occurred_at FROM usage_events WHERE tenant_id = @t AND event_id = 'decided-in-postgresql'", read);
        stamped.Parameters.AddWithValue("t", tenant);
        var occurredAt = new DateTimeOffset((DateTime)(await stamped.ExecuteScalarAsync(Token))!);
        Assert.InRange(occurredAt, now.AddMinutes(-1), clock.GetUtcNow());
        Assert.True(period.Contains(occurredAt));
    }
}
