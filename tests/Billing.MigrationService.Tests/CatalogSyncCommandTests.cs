using Billing.StripeEmulator;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.MigrationService.Tests;

/// <summary>The README's on-demand catalog sync, run as the operator runs it: the built service, a database and Stripe settings, no Redis.</summary>
public sealed class CatalogSyncCommandTests(DataStoresFixture stores)
{
    private const string SecretKey = "sk_test_catalog_command";

    [Fact]
    public async Task Sync_catalog_runs_with_only_the_database_and_stripe_configured()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var emulatorUrl = $"http://127.0.0.1:{LocalServerProcess.FreePort()}";
        await using var emulator = EmulatorApp.Build(["--urls", emulatorUrl, "--Emulator:ApiKey", SecretKey]);
        await emulator.StartAsync(TestContext.Current.CancellationToken);

        var (exitCode, output) = await MigrationServiceProcess.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__billingdb-owner"] = database.Owner,
            ["Stripe__SecretKey"] = SecretKey,
            ["Stripe__ApiBase"] = emulatorUrl,
        }, "--sync-catalog=true");

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{output}");
        await using var db = DataStoresFixture.CreateDbContext(database.Superuser);
        var kinds = await db.StripeCatalog.GroupBy(e => e.Kind).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, TestContext.Current.CancellationToken);
        // A meter per metric, and the plans' prices beside them.
        Assert.Equal(5, kinds["meter"]);
        Assert.True(kinds.Values.Sum() > 5, string.Join(", ", kinds));
    }
}
