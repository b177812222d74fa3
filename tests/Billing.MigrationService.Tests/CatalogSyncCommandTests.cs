using System.Diagnostics;
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

        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.MigrationService.dll"), "--sync-catalog=true"])
        {
            // Not the test's folder, so no other project's settings are picked up; Development validates every registration.
            WorkingDirectory = Directory.CreateTempSubdirectory("billing-sync-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__billingdb-owner"] = database.Owner;
        start.Environment["Stripe__SecretKey"] = SecretKey;
        start.Environment["Stripe__ApiBase"] = emulatorUrl;
        start.Environment.Remove("ConnectionStrings__redis");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{await output}\n{await errors}");
        await using var db = DataStoresFixture.CreateDbContext(database.Superuser);
        var kinds = await db.StripeCatalog.GroupBy(e => e.Kind).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, TestContext.Current.CancellationToken);
        // A meter per metric, and the plans' prices beside them.
        Assert.Equal(5, kinds["meter"]);
        Assert.True(kinds.Values.Sum() > 5, string.Join(", ", kinds));
    }
}
