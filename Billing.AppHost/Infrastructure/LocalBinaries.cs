namespace Billing.AppHost.Infrastructure;

/// <summary>Finds the PostgreSQL and Redis server binaries for local-process mode.</summary>
internal static class LocalBinaries
{
    /// <summary>The directory holding <c>postgres</c>, <c>initdb</c> and <c>pg_isready</c>.</summary>
    public static string FindPostgresBin()
    {
        // Debian keeps initdb and pg_ctl out of PATH, so its versioned directories come first.
        List<string> debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => Path.Combine(dir, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .ToList()
            : [];
        var candidates = debian.Concat(PathDirectories().Where(dir => File.Exists(Path.Combine(dir, "initdb"))));
        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "postgres")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries not found on PATH or under /usr/lib/postgresql/*/bin. Run ./eng/run.sh, which installs them, or set Infrastructure:Mode=containers.");
    }

    /// <summary>Full path of <c>redis-server</c>.</summary>
    public static string FindRedisServer() =>
        PathDirectories().Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "redis-server not found on PATH. Run ./eng/run.sh, which installs it, or set Infrastructure:Mode=containers.");

    private static IEnumerable<string> PathDirectories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
}
