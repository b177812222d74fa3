using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.AppHost.Tests;

/// <summary>
/// The whole AppHost, started once for the class as an operator starts it (infrastructure mode chosen
/// automatically), with its data in a temporary folder so it never touches a developer's running system.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public const string OperatorKey = "apphost-test-operator-key";
    public const string DemoKeySecret = "apphosttestdemokey0123456789abcdef";
    public const string EmulatorKeySecret = "apphosttestemulatorkey0123456789";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("billing-apphost-test-").FullName;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        // The local PostgreSQL runs as the postgres user when tests run as root: it must reach the folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dataDirectory, (UnixFileMode)0b111_101_101);
        }

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Billing_AppHost>(
            [
                $"--Infrastructure:DataDirectory={_dataDirectory}",
                $"--Parameters:operator-key={OperatorKey}",
                $"--Parameters:demo-api-key={DemoKeySecret}",
                $"--Parameters:stripe-emulator-key={EmulatorKeySecret}",
                // The tests count the demo tenant's usage themselves: no demo traffic beside them.
                "--LoadGen:Enabled=false",
            ],
            (options, _) => options.DisableDashboard = true,
            TestContext.Current.CancellationToken);
        _app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in new[] { "postgres", "redis", "stripe-emulator", "api", "worker" })
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }

        await _app.ResourceNotifications.WaitForResourceAsync("billing-web", KnownResourceStates.Running, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
