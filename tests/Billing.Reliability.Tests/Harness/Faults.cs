using System.Globalization;
using System.Net.Http.Json;
using Billing.Testing;
using StackExchange.Redis;

namespace Billing.Reliability.Tests.Harness;

/// <summary>The faults the scenarios inject, each on processes this suite started, by their process ids.</summary>
public static class Faults
{
    /// <summary>Sends a signal to a PostgreSQL server and every backend it forked (<c>SIGSTOP</c> freezes them all).</summary>
    public static async Task SignalPostgresAsync(ReliabilitySystem system, string signal)
    {
        var postmaster = ProcessTree.Pids().Single(pid => CommandLine(pid) is { } line
            && line.Contains(Path.Combine(system.Postgres.DataDirectory, "pg"), StringComparison.Ordinal)
            && line.Contains("-p\0" + system.Postgres.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            && !line.StartsWith("bash", StringComparison.Ordinal) && !line.Contains("runuser", StringComparison.Ordinal));
        var targets = ProcessTree.ChildrenOf(postmaster).Prepend(postmaster);
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", .. targets.Select(p => p.ToString(CultureInfo.InvariantCulture))])!;
        await kill.WaitForExitAsync();
    }

    public static async Task FlushRedisAsync(ReliabilitySystem system)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(system.Redis.ConnectionString + ",allowAdmin=true");
        await redis.GetServers().Single().FlushAllDatabasesAsync();
    }

    /// <summary>The emulator answers the next <paramref name="count"/> meter-event requests (v1 and the v2 stream) this way.</summary>
    public static async Task StripeMeterFaultAsync(ReliabilitySystem system, int status, int count, int delayMs = 0)
    {
        using var control = system.EmulatorControl();
        foreach (var path in new[] { "/v1/billing/meter_event", "/v2/billing/meter_event" })
        {
            (await control.PostAsJsonAsync("/_emulator/faults", new { path, status, count, delayMs })).EnsureSuccessStatusCode();
        }
    }

    public static async Task ClearStripeFaultsAsync(ReliabilitySystem system)
    {
        using var control = system.EmulatorControl();
        (await control.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
