using System.Diagnostics;
using System.Text;

namespace Billing.Deploy.Tests.Boot;

/// <summary>
/// One container's process: the service's entry assembly started with exactly the given environment (nothing inherited
/// from the test run but where <c>dotnet</c> is) in the service's folder, as the image starts it.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _home;

    private ServiceProcess(string workload, string imageName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        Workload = workload;
        _home = System.IO.Directory.CreateTempSubdirectory("billing-boot-home-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ServiceBinaries.Directory(imageName),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ServiceBinaries.EntryAssembly(imageName));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = _home;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new BootFailure(workload, "dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Workload { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServiceProcess Start(string workload, string imageName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        new(workload, imageName, arguments, environment);

    /// <summary>Waits for the process to exit 0 (a Job, an init container); anything else is the boot's failure.</summary>
    public async Task CompletesAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new BootFailure(Workload, $"still running after {limit.TotalSeconds:F0} s\n{Output}");
        }

        if (_process.ExitCode != 0)
        {
            throw new BootFailure(Workload, $"exited with code {_process.ExitCode}\n{Output}");
        }
    }

    /// <summary>Polls an HTTP GET until it answers 200; the process exiting first, or the limit passing, is the boot's failure.</summary>
    public async Task AnswersAsync(HttpClient http, Uri url, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new BootFailure(Workload, $"exited with code {_process.ExitCode} before {url.AbsolutePath} answered 200\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Refused, or no answer within the client's timeout: a failed probe, as the kubelet counts it.
                last = e.Message;
            }

            await Task.Delay(200);
        }

        throw new BootFailure(Workload, $"{url.AbsolutePath} did not answer 200 within {limit.TotalSeconds:F0} s (last: {last})\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        System.IO.Directory.Delete(_home, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
