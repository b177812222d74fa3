using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Billing.Testing;

namespace Billing.AppHost.Tests;

/// <summary>
/// billing-web's browser scenarios (<c>billing-web/e2e/run.mjs</c>, Debian Chromium driven by
/// playwright-core) against the whole system started by the AppHost: demo sign-in, five meters, live
/// usage, Free → Standard through the emulator's Checkout page (and a declined card staying on Free), a
/// period closed on the Stripe emulator's clock, and a past-due tenant replacing its card in the portal.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DashboardEndToEndTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_dashboard_scenarios_pass_in_a_real_browser()
    {
        var app = fixture.App;
        var start = new ProcessStartInfo("node", ["e2e/run.mjs"])
        {
            WorkingDirectory = Path.Combine(RepositoryPaths.Root, "billing-web"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["WEB_URL"] = app.GetEndpoint("billing-web", "http").ToString().TrimEnd('/'),
                ["API_URL"] = app.GetEndpoint("api", "http").ToString().TrimEnd('/'),
                ["EMULATOR_URL"] = app.GetEndpoint("stripe-emulator", "http").ToString().TrimEnd('/'),
                ["EMULATOR_KEY"] = $"sk_test_{AppHostFixture.EmulatorKeySecret}",
                ["OPERATOR_KEY"] = AppHostFixture.OperatorKey,
                ["DEMO_API_KEY"] = $"bk_demo_{AppHostFixture.DemoKeySecret}",
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        TestContext.Current.SendDiagnosticMessage(string.Join('\n', lines) + '\n' + await errors);
        Assert.True(process.ExitCode == 0, string.Join('\n', lines) + '\n' + await errors);
        Assert.Matches(@"^e2e: [1-9]\d* passed, 0 failed$", lines[^1]);
        Assert.DoesNotContain(lines, line => line.StartsWith("not ok", StringComparison.Ordinal));
    }
}
