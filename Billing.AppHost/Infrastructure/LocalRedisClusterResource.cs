namespace Billing.AppHost.Infrastructure;

/// <summary>
/// A Redis Cluster of local <c>redis-server</c> processes (<c>redis-cluster.sh</c>), exposing a connection string that
/// names every node: the client learns the slot map from whichever answers.
/// </summary>
public sealed class LocalRedisClusterResource(string name, string command, string workingDirectory, IReadOnlyList<int> ports, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public IReadOnlyList<int> Ports { get; } = ports;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{string.Join(",", Ports.Select(p => $"127.0.0.1:{p}"))},password={password}");
}
