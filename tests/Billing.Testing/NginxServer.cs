using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Billing.Testing;

/// <summary>
/// Debian's nginx (installed by eng/prerequisites.sh) running a shipped configuration, <c>deploy/gateway/nginx</c>
/// (auth_request) or <c>deploy/gateway/nginx-lease</c> (leases counted in Lua), on a free loopback port, with its own
/// prefix folder and pid file, in front of the given billing API replicas and service. Only the addresses are changed
/// (and, when asked, the failure policy of the protected location).
/// </summary>
public sealed class NginxServer : LocalServerProcess
{
    public const string ShippedListen = "listen 8080;";
    public const string ShippedBillingServer = "server billing-api:8080 max_fails=0;";
    public const string ShippedAppServer = "server app:8080;";
    public const string ShippedFailurePolicy = "set $billing_on_failure closed;";
    public const string ShippedRelayListen = "listen 127.0.0.1:8081;";
    public const string ShippedRelayPort = "relay_port = 8081,";
    public const string ShippedHealthLocation = "location = /healthz {";

    /// <param name="leases">Runs <c>deploy/gateway/nginx-lease</c> instead of <c>deploy/gateway/nginx</c>.</param>
    /// <param name="extraLocations">Locations a test adds to the protected server (before its <c>/healthz</c>).</param>
    public NginxServer(IEnumerable<Uri> billingApi, Uri app, string failurePolicy = "closed", bool leases = false, string? extraLocations = null)
        : base("nginx")
    {
        _folder = leases ? "nginx-lease" : "nginx";
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "deploy", "gateway", _folder)))
        {
            File.Copy(file, Path.Combine(DataDirectory, Path.GetFileName(file)));
        }

        Directory.CreateDirectory(Path.Combine(DataDirectory, "logs"));
        Rewrite("nginx.conf", (ShippedListen, $"listen 127.0.0.1:{Port};"), (ShippedFailurePolicy, $"set $billing_on_failure {failurePolicy};"));
        if (extraLocations is not null)
        {
            Rewrite("nginx.conf", (ShippedHealthLocation, extraLocations + "\n        " + ShippedHealthLocation));
        }

        if (leases)
        {
            var relay = FreePort();
            Rewrite("nginx.conf", (ShippedRelayListen, $"listen 127.0.0.1:{relay};"), (ShippedRelayPort, $"relay_port = {relay},"));
        }

        Rewrite("upstreams.conf",
            (ShippedBillingServer, string.Join(' ', billingApi.Select(a => ShippedBillingServer.Replace("billing-api:8080", $"127.0.0.1:{a.Port}", StringComparison.Ordinal)))),
            (ShippedAppServer, $"server 127.0.0.1:{app.Port};"));
    }

    private readonly string _folder;

    public static string ShippedDirectory => Path.Combine(RepositoryPaths.Root, "deploy", "gateway", "nginx");

    /// <summary>/usr/sbin/nginx, where Debian puts it, or the first on the PATH.</summary>
    public static string Binary =>
        File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx"
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "nginx")).FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("nginx is not installed: run eng/prerequisites.sh.");

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public string ErrorLogPath => Path.Combine(DataDirectory, "logs", "error.log");

    /// <summary>What <c>nginx -V</c> prints: the version and the configure arguments (its modules).</summary>
    public static string BuildInformation()
    {
        using var process = Process.Start(new ProcessStartInfo(Binary, ["-V"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    /// <summary>
    /// Kills the master and its workers with SIGKILL, as a crash does: no graceful stop, so nothing the workers still
    /// hold (the leases' unreported counts) leaves them.
    /// </summary>
    public void Kill()
    {
        var master = ProcessId ?? throw new InvalidOperationException("nginx is not running.");
        foreach (var pid in ProcessTree.ChildrenOf(master).ToList().Prepend(master))
        {
            using var process = Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
            process.WaitForExit();
        }
    }

    protected override ProcessStartInfo StartInfo() => new(Binary,
    [
        "-p", DataDirectory, "-c", Path.Combine(DataDirectory, "nginx.conf"), "-e", ErrorLogPath,
        "-g", $"daemon off; pid {Path.Combine(DataDirectory, "nginx.pid")};",
    ]);

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Rewrite(string file, params (string Shipped, string Test)[] replacements)
    {
        var path = Path.Combine(DataDirectory, file);
        var text = File.ReadAllText(path);
        foreach (var (shipped, test) in replacements)
        {
            if (!text.Contains(shipped, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"deploy/gateway/{_folder}/{file} no longer has '{shipped}', which the tests replace with a loopback address."));
            }

            text = text.Replace(shipped, test, StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }
}
