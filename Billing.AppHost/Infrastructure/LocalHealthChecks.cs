using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Billing.AppHost.Infrastructure;

/// <summary>Readiness of the local data stores, so dependants start only once they accept clients.</summary>
internal static class LocalHealthChecks
{
    public static async Task<HealthCheckResult> PgIsReadyAsync(string postgresBin, int port, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(Path.Combine(postgresBin, "pg_isready"),
            ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-d", "postgres", "-t", "2"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy((await process.StandardOutput.ReadToEndAsync(cancellationToken)).Trim());
    }

    public static Task<HealthCheckResult> RedisPingAsync(int port, string password, CancellationToken cancellationToken) =>
        RedisAnswersAsync(port, password, "PING", "PONG", cancellationToken);

    /// <summary>Healthy once every node of the cluster reports all its slots served (<c>cluster_state:ok</c>).</summary>
    public static async Task<HealthCheckResult> RedisClusterOkAsync(IReadOnlyList<int> ports, string password, CancellationToken cancellationToken)
    {
        foreach (var port in ports)
        {
            var answer = await RedisAnswersAsync(port, password, "CLUSTER INFO", "cluster_state:ok", cancellationToken);
            if (answer.Status != HealthStatus.Healthy)
            {
                return HealthCheckResult.Unhealthy($"node {port}: {answer.Description}");
            }
        }

        return HealthCheckResult.Healthy();
    }

    private static async Task<HealthCheckResult> RedisAnswersAsync(int port, string password, string command, string expected, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"AUTH {password}\r\n{command}\r\n"), cancellationToken);
            var buffer = new byte[256];
            var text = new StringBuilder();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            while (!text.ToString().Contains(expected, StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            return text.ToString().Contains(expected, StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy(text.ToString().Trim());
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
