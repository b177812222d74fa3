using System.Diagnostics;

namespace Billing.Bench;

/// <summary>
/// Gives the two sides of a gateway benchmark their own cores, as in a deployment where the billing API (with its
/// PostgreSQL and Redis) runs on other machines than the gateway and the service it protects: the gateway side (this
/// process, its clients, the test service, nginx) on one set of cores, the billing side on the rest. Without it, on a
/// small machine, the ratio measures how the authorizer's CPU competes with nginx's rather than what it adds.
/// </summary>
public static class CpuSplit
{
    /// <summary>Two cores or more, and Linux's <c>taskset</c>.</summary>
    public static bool Possible => Environment.ProcessorCount >= 2 && OperatingSystem.IsLinux() && File.Exists("/usr/bin/taskset");

    /// <summary>Core 0.</summary>
    public static string GatewayCores => "0";

    /// <summary>Every core but 0.</summary>
    public static string BillingCores => Environment.ProcessorCount == 2 ? "1" : $"1-{Environment.ProcessorCount - 1}";

    /// <summary>
    /// Pins <paramref name="pid"/>, every thread of it and every process below it to <paramref name="cores"/>; what they
    /// start later (PostgreSQL's backends) inherits the pinning.
    /// </summary>
    public static void Pin(int pid, string cores)
    {
        foreach (var process in Tree(pid))
        {
            using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cores, process.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            taskset.WaitForExit();
            if (taskset.ExitCode != 0)
            {
                throw new InvalidOperationException($"taskset could not pin process {process}: {taskset.StandardError.ReadToEnd()}");
            }
        }
    }

    private static List<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && TryParent(directory, out var parent))
            {
                parents[pid] = parent;
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }

    private static bool TryParent(string directory, out int parent)
    {
        parent = 0;
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], out parent);
        }
        catch (IOException)
        {
            return false;   // the process ended while we looked
        }
    }
}
