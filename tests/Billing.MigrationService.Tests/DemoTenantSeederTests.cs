using Billing.Infrastructure.Data;
using Billing.Infrastructure.Security;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Billing.MigrationService.Tests;

/// <summary>The seeder runs in the migration service, on the owner's login.</summary>
public sealed class DemoTenantSeederTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);

    private static DemoTenantSeeder Seeder(BillingDbContext db, string? demoKey = null) =>
        new(db, new FakeTimeProvider(Now), Options.Create(new SeedOptions { DemoApiKey = demoKey }), NullLogger<DemoTenantSeeder>.Instance);

    [Fact]
    public async Task Seeds_a_demo_tenant_on_standard_with_a_period_anchored_now()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using (var db = DataStoresFixture.CreateDbContext(database.Owner))
        {
            await Seeder(db).SeedAsync(TestContext.Current.CancellationToken);
        }

        await using var check = DataStoresFixture.CreateDbContext(database.Superuser);
        var tenant = await check.Tenants.SingleAsync(TestContext.Current.CancellationToken);
        var subscription = await check.Subscriptions.SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(DemoTenantSeeder.DemoTenantId, tenant.Id);
        Assert.Equal("standard", tenant.Plan);
        Assert.Equal("standard", subscription.Plan);
        Assert.Equal(Now, subscription.CurrentPeriodStart);
        Assert.Equal(new DateTimeOffset(2026, 12, 25, 9, 30, 0, TimeSpan.Zero), subscription.CurrentPeriodEnd);
    }

    [Fact]
    public async Task A_second_run_adds_nothing()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        const string key = "bk_demo_0123456789abcdefghijklmnopqrstuvwxyz";
        for (var run = 0; run < 2; run++)
        {
            await using var db = DataStoresFixture.CreateDbContext(database.Owner);
            await Seeder(db, key).SeedAsync(TestContext.Current.CancellationToken);
        }

        await using var check = DataStoresFixture.CreateDbContext(database.Superuser);
        Assert.Equal(1, await check.Tenants.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, await check.Subscriptions.CountAsync(TestContext.Current.CancellationToken));
        var stored = await check.ApiKeys.SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ApiKeySecrets.Hash(key), stored.Hash);
        Assert.Equal(DemoTenantSeeder.DemoTenantId, stored.TenantId);
        // The dashboard's one-click sign-in needs read and manage; the demo sends usage too.
        Assert.Equal(["ingest", "read", "manage"], stored.Scopes);
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("bk_demo_too_short")]
    [InlineData("bk_demo_0123456789abcdefghijklmnopqrstuvwxyz!")]
    public async Task A_demo_key_the_api_would_refuse_as_malformed_is_refused(string demoKey)
    {
        await using var db = DataStoresFixture.CreateDbContext((await stores.CreateMigratedDatabaseAsync()).Owner);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Seeder(db, demoKey).SeedAsync(TestContext.Current.CancellationToken));

        Assert.Contains("bk_", error.Message);
        Assert.Equal(0, await db.ApiKeys.CountAsync(TestContext.Current.CancellationToken));
    }
}
