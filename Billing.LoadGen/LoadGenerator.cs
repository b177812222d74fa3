using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Billing.LoadGen;

/// <summary>
/// Sends <see cref="DemoTraffic"/> to the API at a fixed rate (open loop: a slow answer does not slow the schedule of the
/// other senders) and records every answer in <see cref="Report"/>. Stopping lets the requests in flight finish, so the
/// report names every event the API stored.
/// </summary>
public sealed class LoadGenerator
{
    /// <summary>Requests one sender may have unanswered at once.</summary>
    public const int MaxInFlightPerSender = 32;

    private readonly HttpClient _http;
    private readonly LoadGenOptions _options;
    private readonly DemoTraffic _traffic;

    /// <param name="http">A client whose base address is the API; no retry handler (a retried completion would count twice).</param>
    public LoadGenerator(HttpClient http, LoadGenOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.RequestsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Senders);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.EventsPerBatch);
        _http = http;
        _options = options;
        _traffic = new DemoTraffic(options.EventsPerBatch);
        Report = new LoadReport(options.MaxRecordedIds);
    }

    public LoadReport Report { get; }

    /// <summary>A client for <paramref name="options"/>' API and key, without the resilience handlers of the service defaults.</summary>
    public static HttpClient CreateClient(LoadGenOptions options) => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = options.ApiAddress ?? throw new InvalidOperationException("LoadGen:ApiAddress is not set and no API is referenced."),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey) },
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Sends until <paramref name="stopping"/> is cancelled, then waits for the answers still due.</summary>
    public Task RunAsync(CancellationToken stopping) =>
        Task.WhenAll(Enumerable.Range(0, _options.Senders).Select(_ => SendAsync(stopping)));

    private async Task SendAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.Senders / _options.RequestsPerSecond));
        var inFlight = new List<Task>();
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                if (inFlight.Count >= MaxInFlightPerSender)
                {
                    // An API slower than the rate slows the schedule rather than piling up requests without bound.
                    await Task.WhenAny(inFlight);
                    inFlight.RemoveAll(t => t.IsCompleted);
                }

                // Not cancelled by stopping: an abandoned request may still be stored, and the report would not know.
                inFlight.Add(SendOneAsync(_traffic.Next()));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await Task.WhenAll(inFlight);
    }

    private async Task SendOneAsync(LoadRequest request)
    {
        try
        {
            using var response = await _http.PostAsync(request.Path, new StringContent(request.Body, Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500)
            {
                Report.Failed(request.Kind, $"{(int)response.StatusCode} {Title(body)}");
            }
            else if (!response.IsSuccessStatusCode)
            {
                Report.Refused(request.Kind, $"{(int)response.StatusCode} {Title(body)}");
            }
            else
            {
                Record(request, body);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Report.Failed(request.Kind, e.Message);
        }
    }

    private void Record(LoadRequest request, string body)
    {
        using var answer = JsonDocument.Parse(body);
        var root = answer.RootElement;
        switch (request.Kind)
        {
            case LoadRequestKind.Completion:
                Report.Accepted(request.Kind, [], root.GetProperty("usage").GetProperty("totalTokens").GetInt64());
                break;
            case LoadRequestKind.Consume when !root.GetProperty("consumed").GetBoolean():
                Report.Refused(request.Kind, $"not consumed: {root.GetProperty("decision").GetString()}");
                break;
            default:
                // Ids are never reused, so an id the API calls a duplicate was stored by this very request's earlier
                // attempt (a connection that failed after the commit): stored either way.
                Report.Accepted(request.Kind, request.EventIds);
                break;
        }
    }

    private static string Title(string problem)
    {
        try
        {
            using var document = JsonDocument.Parse(problem);
            return document.RootElement.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return problem.Length > 200 ? problem[..200] : problem;
        }
    }
}
