using System.Text.RegularExpressions;
using k8s.Models;
using Npgsql;

namespace Billing.Deploy.Tests.Boot;

/// <summary>
/// Cluster DNS for processes on one machine: each Service's names (<c>name</c>, <c>name.namespace</c>, …,
/// <c>name.namespace.svc.cluster.local</c>) and port stand for a loopback port where the test runs what it selects.
/// Addresses in configuration values are rewritten: <c>host:port</c> (URLs, Redis) and Npgsql's <c>Host=…;Port=…</c>.
/// </summary>
public sealed class LoopbackServices
{
    private readonly Dictionary<(string Host, int Port), int> _addresses = new();

    public void Map(V1Service service, int servicePort, int loopbackPort)
    {
        var name = service.Metadata.Name;
        var ns = service.Metadata.NamespaceProperty ?? "default";
        foreach (var host in new[] { name, $"{name}.{ns}", $"{name}.{ns}.svc", $"{name}.{ns}.svc.cluster.local" })
        {
            _addresses[(host, servicePort)] = loopbackPort;
        }
    }

    public string Rewrite(string value)
    {
        if (value.Contains("Host=", StringComparison.OrdinalIgnoreCase) && value.Contains(';', StringComparison.Ordinal))
        {
            var postgres = new NpgsqlConnectionStringBuilder(value);
            if (postgres.Host is { } host && _addresses.TryGetValue((host, postgres.Port), out var port))
            {
                postgres.Host = "127.0.0.1";
                postgres.Port = port;
                return postgres.ConnectionString;
            }

            return value;
        }

        foreach (var ((host, servicePort), port) in _addresses)
        {
            value = Regex.Replace(value, $@"(?<![\w.-]){Regex.Escape(host)}:{servicePort}(?!\d)", $"127.0.0.1:{port}");
        }

        return value;
    }
}
