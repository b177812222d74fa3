using System.Diagnostics;
using System.Globalization;
using Billing.Testing;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// One built service (<c>Billing.Api</c>, <c>Billing.Worker</c>, <c>Billing.StripeEmulator</c>) run from its own output
/// folder as its own process, configured by environment variables as the AppHost configures it, on a fixed loopback
/// port so that a restart comes back at the same address. A kill is a real <c>SIGKILL</c>.
/// </summary>
public sealed class ServiceProcess(string name, string project, IReadOnlyDictionary<string, string> environment, int? port = null) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<string> _log = [];
    private Process? _process;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _watched = new();
    private IReadOnlyDictionary<string, string> _settings = new Dictionary<string, string>();

    public string Name { get; } = name;

    public int Port { get; } = port ?? LocalServerProcess.FreePort();

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The last lines the process wrote, for a failure message.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _log.TakeLast(60));
            }
        }
    }

    /// <summary>The output folder of a project built in the same configuration as these tests.</summary>
    public static string OutputFolder(string project)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(RepositoryPaths.Root, project, "bin", framework.Parent!.Name, framework.Name);
    }

    /// <summary>Starts the process and waits until <c>/health</c> answers 200.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = OutputFolder(project);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, project + ".dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment.Concat(_settings))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Name);
        process.OutputDataReceived += (_, e) => Note(e.Data);
        process.ErrorDataReceived += (_, e) => Note(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {process.ExitCode}:\n{RecentOutput}");
            }

            try
            {
                using var response = await http.GetAsync("/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} was not healthy within 90 s:\n{RecentOutput}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>
    /// Stops the process gracefully (<c>SIGTERM</c>, as an orchestrator does) and starts it again with
    /// <paramref name="settings"/> over its environment, kept for later starts until the next restart.
    /// </summary>
    public async Task RestartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false } process)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!)
            {
                await term.WaitForExitAsync(cancellationToken);
            }

            await process.WaitForExitAsync(cancellationToken);
        }

        _settings = settings;
        await StartAsync(cancellationToken);
    }

    /// <summary>Waits until the process has written a line containing <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            lock (_gate)
            {
                if (_log.Exists(line => line.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not write \"{text}\" within {limit.TotalSeconds} s:\n{RecentOutput}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary><c>kill -9</c>: no shutdown hook runs, nothing buffered is flushed.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Resident memory in MiB (VmRSS), or 0 when the process is not running.</summary>
    public double ResidentMegabytes()
    {
        if (ProcessId is not { } pid)
        {
            return 0;
        }

        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    /// <summary>Counts, from now on, the output lines that contain <paramref name="text"/> (the kept output is only the last lines).</summary>
    public void Watch(string text) => _watched.TryAdd(text, 0);

    /// <summary>How many output lines contained <paramref name="text"/> since <see cref="Watch"/>.</summary>
    public int Mentions(string text) => _watched.GetValueOrDefault(text);

    private void Note(string? line)
    {
        if (line is null)
        {
            return;
        }

        foreach (var text in _watched.Keys.Where(line.Contains))
        {
            _watched.AddOrUpdate(text, 1, (_, seen) => seen + 1);
        }

        lock (_gate)
        {
            _log.Add(line);
            if (_log.Count > 2000)
            {
                _log.RemoveRange(0, 1000);
            }
        }
    }
}
