using System.Diagnostics;

namespace Billing.MigrationService.Tests;

/// <summary>The built migration service, run as an operator runs it: its own process, configured by environment variables.</summary>
public static class MigrationServiceProcess
{
    /// <returns>The exit code and everything the process wrote.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.MigrationService.dll"), .. arguments])
        {
            // Not the test's folder, so no other project's settings are picked up; Development validates every registration.
            WorkingDirectory = Directory.CreateTempSubdirectory("billing-migrations-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment.Remove("ConnectionStrings__redis");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, $"{await output}\n{await errors}");
    }
}
