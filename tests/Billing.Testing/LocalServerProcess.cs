using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Billing.Testing;

/// <summary>
/// A data-store server started through the AppHost's own wrapper script, on a free loopback port,
/// with its data in a temporary folder, so tests never share state with a running system.
/// </summary>
public abstract class LocalServerProcess : IAsyncDisposable
{
    private Process? _process;

    protected LocalServerProcess(string name)
    {
        DataDirectory = Directory.CreateTempSubdirectory($"billing-test-{name}-").FullName;
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            // The PostgreSQL server runs as the postgres user and must reach its data folder.
            File.SetUnixFileMode(DataDirectory, (UnixFileMode)0b111_101_101);
        }

        Port = FreePort();
        Password = NewPassword();
        PasswordFile = Path.Combine(DataDirectory, "password");
        File.WriteAllText(PasswordFile, Password);
    }

    public string DataDirectory { get; }
    public int Port { get; }
    public string Password { get; }
    protected string PasswordFile { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The process started (a wrapper such as <c>runuser</c> for some servers; the server is then its child).</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>, on the same port and data).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var start = StartInfo();
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        var output = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await IsReadyAsync(cancellationToken))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                lock (output)
                {
                    throw new InvalidOperationException($"{GetType().Name} did not become ready:\n{output}");
                }
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Stops the server the way Ctrl-C in the AppHost does (SIGTERM to the wrapper).</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        await AfterStopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }

        GC.SuppressFinalize(this);
    }

    protected static string NewPassword() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    protected abstract ProcessStartInfo StartInfo();

    protected abstract Task<bool> IsReadyAsync(CancellationToken cancellationToken);

    protected virtual Task AfterStopAsync() => Task.CompletedTask;

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
