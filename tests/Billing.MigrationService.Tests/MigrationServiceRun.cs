using System.Diagnostics;

namespace Billing.MigrationService.Tests;

/// <summary>The built migration service run as its own process, as an operator (or the AppHost) runs it, in Development.</summary>
public static class MigrationServiceRun
{
    /// <summary>Runs it to its end with <paramref name="environment"/>; the exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.MigrationService.dll"), .. args])
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
        return (process.ExitCode, await output + "\n" + await errors);
    }
}
