using System.Diagnostics;
using System.Text;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.MigrationService.Tests;

/// <summary>
/// The init container of the API's and worker's pods: <c>--wait-for-schema=true</c>, on the service's own login, holds
/// them until the migrations Job (the owner's login) has applied the migrations.
/// </summary>
public sealed class SchemaWaitTests(DataStoresFixture stores)
{
    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task Waits_on_the_services_login_while_migrations_are_pending_and_exits_0_once_they_are_applied(string service)
    {
        var database = await stores.CreateDatabaseAsync();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.MigrationService.dll"), "--wait-for-schema=true"])
        {
            WorkingDirectory = Directory.CreateTempSubdirectory("billing-wait-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__billingdb"] = service == "api" ? database.Api : database.Worker;
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await UntilAsync(() => Text(output).Contains("Waiting for", StringComparison.Ordinal) || process.HasExited);
            Assert.False(process.HasExited, $"exited while the schema was empty:\n{Text(output)}");

            await using (var db = DataStoresFixture.CreateDbContext(database.Owner))
            {
                await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
            }

            await UntilAsync(() => process.HasExited);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{Text(output)}");
            Assert.Contains("The schema is current", Text(output), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>Polls the condition; the limit only bounds a failing run.</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within a minute");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
