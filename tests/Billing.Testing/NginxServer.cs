using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Billing.Testing;

/// <summary>
/// Debian's nginx (installed by eng/prerequisites.sh) running the shipped configuration of <c>deploy/gateway/nginx</c>
/// on a free loopback port, with its own prefix folder and pid file, in front of the given billing API replicas and
/// service. Only the addresses are changed (and, when asked, the failure policy of the protected location).
/// </summary>
public sealed class NginxServer : LocalServerProcess
{
    public const string ShippedListen = "listen 8080;";
    public const string ShippedBillingServer = "server billing-api:8080 max_fails=0;";
    public const string ShippedAppServer = "server app:8080;";
    public const string ShippedFailurePolicy = "set $billing_on_failure closed;";

    public NginxServer(IEnumerable<Uri> billingApi, Uri app, string failurePolicy = "closed")
        : base("nginx")
    {
        foreach (var file in Directory.GetFiles(ShippedDirectory))
        {
            File.Copy(file, Path.Combine(DataDirectory, Path.GetFileName(file)));
        }

        Directory.CreateDirectory(Path.Combine(DataDirectory, "logs"));
        Rewrite("nginx.conf", (ShippedListen, $"listen 127.0.0.1:{Port};"), (ShippedFailurePolicy, $"set $billing_on_failure {failurePolicy};"));
        Rewrite("upstreams.conf",
            (ShippedBillingServer, string.Join(' ', billingApi.Select(a => ShippedBillingServer.Replace("billing-api:8080", $"127.0.0.1:{a.Port}", StringComparison.Ordinal)))),
            (ShippedAppServer, $"server 127.0.0.1:{app.Port};"));
    }

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
                    $"deploy/gateway/nginx/{file} no longer has '{shipped}', which the tests replace with a loopback address."));
            }

            text = text.Replace(shipped, test, StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }
}
