using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Xunit;

namespace Billing.Testing;

/// <summary>
/// A real Redis Cluster for tests: six <c>redis-server</c> processes in cluster mode (three primaries, each with a
/// replica) on loopback ports of their own, run by the AppHost's <c>redis-cluster.sh</c>. Ready once every node reports
/// <c>cluster_state:ok</c> with all 16384 slots served and every replica is in sync with its primary.
/// </summary>
/// Use as a class fixture: started before the class's first test, stopped after its last.
public sealed class RedisCluster() : LocalServerProcess("redis-cluster"), IAsyncLifetime
{
    public const int NodeCount = 6;

    // Failures are detected after this long, so a failover test waits seconds, not the default 15 s.
    private const int NodeTimeoutMs = 1000;

    // The other nodes' client ports, then every node's cluster bus port.
    private readonly int[] _ports = DistinctFreePorts(2 * NodeCount - 1);

    /// <summary>Every node's client port; the first is <see cref="LocalServerProcess.Port"/>.</summary>
    public IReadOnlyList<int> Ports => [Port, .. _ports[..(NodeCount - 1)]];

    /// <summary>All the nodes as seeds: the client learns the slot map from whichever answers.</summary>
    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + $",password={Password},abortConnect=false";

    public ValueTask InitializeAsync() => new(StartAsync());

    protected override ProcessStartInfo StartInfo()
    {
        var start = new ProcessStartInfo("bash",
            [RepositoryPaths.LocalProcessScript("redis-cluster.sh"), Path.Combine(DataDirectory, "cluster"), PasswordFile,
                .. Ports.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{p}:{_ports[NodeCount - 1 + i]}"))]);
        start.Environment["REDIS_CLUSTER_NODE_TIMEOUT"] = NodeTimeoutMs.ToString(CultureInfo.InvariantCulture);
        return start;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(AdminConnectionString + ",connectTimeout=1000");
            return await IsHealthyAsync(connection, NodeCount);
        }
        catch (RedisException)
        {
            return false;
        }
    }

    /// <summary>The connection string with admin commands allowed (<c>CLUSTER</c>, <c>INFO</c>), for tests that inspect or fault the nodes.</summary>
    public string AdminConnectionString => ConnectionString.Replace("abortConnect=false", "abortConnect=true") + ",allowAdmin=true";

    /// <summary>
    /// Whether every one of <paramref name="nodes"/> reachable nodes answers <c>cluster_state:ok</c> with all slots
    /// served, and each replica's link to its primary is up.
    /// </summary>
    public static async Task<bool> IsHealthyAsync(IConnectionMultiplexer connection, int nodes)
    {
        var healthy = 0;
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (!server.IsConnected)
            {
                continue;
            }

            var info = (string)(await server.ExecuteAsync("CLUSTER", "INFO"))!;
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal))
            {
                return false;
            }

            var replication = (await server.InfoAsync("replication")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
            if (replication["role"] == "slave" && replication.GetValueOrDefault("master_link_status") != "up")
            {
                return false;
            }

            healthy++;
        }

        return healthy >= nodes;
    }

    /// <summary>The operating-system process of a node, as the node reports it.</summary>
    public static async Task<int> ProcessIdAsync(IServer server) =>
        int.Parse((await server.InfoAsync("server")).SelectMany(g => g).Single(p => p.Key == "process_id").Value, CultureInfo.InvariantCulture);

    private static int[] DistinctFreePorts(int count)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            ports.Add(FreePort());
        }

        return [.. ports];
    }
}
