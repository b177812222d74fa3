using System.Diagnostics;
using Billing.Testing;

namespace Billing.Bench;

/// <summary>
/// The API as its own process (its built <c>Billing.Api.dll</c>, with the benchmark's settings as environment
/// variables), so that it can be given its own cores (<see cref="CpuSplit"/>) and does not share a thread pool with
/// the clients that load it.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, Uri address) => (_process, Address) = (process, address);

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the API built beside this benchmark (same configuration), pinned to <paramref name="cores"/>, and waits for <c>/health</c>.</summary>
    public static async Task<ApiProcess> StartAsync(BenchmarkHost host, string cores)
    {
        var port = LocalServerProcess.FreePort();
        var folder = Path.Combine(RepositoryPaths.Root, "Billing.Api", "bin", Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!),
            Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/')));
        var start = new ProcessStartInfo("taskset", ["-c", cores, "dotnet", Path.Combine(folder, "Billing.Api.dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in host.ApiSettings())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the API");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[api] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = api.Address };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with {process.ExitCode} while starting (is {folder} built?)");
            }

            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await api.DisposeAsync();
                throw new InvalidOperationException("The API did not become healthy within 60 s.");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
