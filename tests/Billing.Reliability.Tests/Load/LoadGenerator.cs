using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.Http.Headers;
using Billing.Reliability.Tests.Harness;

namespace Billing.Reliability.Tests.Load;

/// <summary>
/// Clients as a customer's services behave: batches and single usage events with their own ids, a metered route, and
/// entitlement consumption with idempotency keys. A failed request (no answer, or a 5xx) is retried against the other
/// API, with the same ids and keys, a few times; every 2xx is recorded in the <see cref="Tally"/>, in the billing period
/// the server counted it in (events by their timestamps, taken from the system's <see cref="SharedClock"/>; metered
/// requests and consumption by the period end the answer names).
/// </summary>
public sealed class LoadGenerator(IReadOnlyList<ServiceProcess> apis, IReadOnlyList<LoadTenant> tenants, Tally tally, SharedClock clock) : IDisposable
{
    public const string EventMetric = "agent_executions";
    public const string ConsumeMetric = "llm_tokens";
    private const string Prompt = "one two three four";
    private const int MaxTokens = 4;
    private const int TokensPerCompletion = 8; // The stand-in model answers a token per word, up to MaxTokens.
    private const int MaxAttempts = 8;
    private static readonly TimeSpan ThinkTime = TimeSpan.FromMilliseconds(25);

    private readonly HttpClient[] _clients = [.. apis.Select(api => new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        BaseAddress = api.BaseAddress,
        Timeout = TimeSpan.FromSeconds(15),
    })];

    private long _sequence;

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    /// <summary>Runs every client until <paramref name="stop"/> is cancelled; a request under way finishes its retries.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var loops = new List<Task>();
        var client = 0;
        foreach (var tenant in tenants)
        {
            if (tenant.ApiCallsHardCap is null)
            {
                loops.Add(Loop(client++, stop, (api, t) => BatchAsync(api, tenant, 20, t)));
                loops.Add(Loop(client++, stop, (api, t) => BatchAsync(api, tenant, 1, t)));
                loops.Add(Loop(client++, stop, (api, t) => ConsumeAsync(api, tenant, t)));
            }

            loops.Add(Loop(client++, stop, (api, t) => MeteredAsync(api, tenant, t)));
        }

        return Task.WhenAll(loops);
    }

    private async Task Loop(int client, CancellationToken stop, Func<int, CancellationToken, Task> request)
    {
        // Half the clients prefer each API; they fail over to the other and stay there until it fails.
        var api = client % apis.Count;
        while (!stop.IsCancellationRequested)
        {
            await request(api, CancellationToken.None);
            try
            {
                await Task.Delay(ThinkTime, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One request of usage events with fresh ids, retried with the same body until a 2xx or the attempts run out.</summary>
    private async Task BatchAsync(int preferred, LoadTenant tenant, int size, CancellationToken cancellationToken)
    {
        var now = clock.Now;
        var events = Enumerable.Range(0, size).Select(_ =>
        {
            var n = Interlocked.Increment(ref _sequence);
            return new { id = $"ev-{n}", metric = EventMetric, value = 1 + (n % 5), timestamp = now };
        }).ToList();
        var units = events.Sum(e => e.value);
        var outcome = await WithRetriesAsync(preferred, tenant, "/api/v1/usage/events", new { events }, cancellationToken);
        Settle(tenant, EventMetric, tenant.PeriodAt(now).End, units, outcome);
    }

    private async Task ConsumeAsync(int preferred, LoadTenant tenant, CancellationToken cancellationToken)
    {
        const int amount = 7;
        var body = new { metric = ConsumeMetric, amount, idempotencyKey = $"consume-{Interlocked.Increment(ref _sequence)}" };
        var outcome = await WithRetriesAsync(preferred, tenant, "/api/v1/entitlements/consume", body, cancellationToken);
        if (outcome.Body is { } answer && answer.GetProperty("decision").GetString() == "deny")
        {
            return;
        }

        var periodEnd = outcome.Body is { } counted ? counted.GetProperty("resetAt").GetDateTimeOffset() : tenant.PeriodAt(clock.Now).End;
        Settle(tenant, ConsumeMetric, periodEnd, amount, outcome);
    }

    /// <summary>
    /// A metered request; each attempt is a new request (the server counts every one it served), so an attempt without an
    /// answer may or may not have been counted.
    /// </summary>
    private async Task MeteredAsync(int preferred, LoadTenant tenant, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (status, body, resetAt) = await SendAsync((preferred + attempt) % apis.Count, tenant, "/api/v1/llm/completions",
                new { prompt = Prompt, maxTokens = MaxTokens }, cancellationToken);
            if (status is >= 200 and < 300)
            {
                var periodEnd = resetAt ?? throw new InvalidOperationException("a metered answer without X-Quota-Reset");
                tally.Confirm(tenant.Id, "api_calls", periodEnd, 1);
                tally.Confirm(tenant.Id, "llm_tokens", periodEnd, body!.Value.GetProperty("usage").GetProperty("totalTokens").GetInt64());
                return;
            }

            if (status is null)
            {
                var periodEnd = tenant.PeriodAt(clock.Now).End;
                tally.MaybeRecorded(tenant.Id, "api_calls", periodEnd, 1);
                tally.MaybeRecorded(tenant.Id, "llm_tokens", periodEnd, TokensPerCompletion);
            }
            else if (status < 500 && status != 429)
            {
                return;
            }
            else if (status == 429 && tenant.ApiCallsHardCap is not null)
            {
                return; // Past the hard cap: a refusal, not a fault.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), cancellationToken);
        }
    }

    private sealed record Outcome(bool Confirmed, bool MaybeStored, JsonElement? Body);

    private async Task<Outcome> WithRetriesAsync(int preferred, LoadTenant tenant, string path, object body, CancellationToken cancellationToken)
    {
        var maybeStored = false;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (status, answer, _) = await SendAsync((preferred + attempt) % apis.Count, tenant, path, body, cancellationToken);
            if (status is >= 200 and < 300)
            {
                return new Outcome(true, true, answer);
            }

            // No answer, or a 5xx other than 503 ("nothing was stored"): the server may have stored it.
            maybeStored |= status is null || (status >= 500 && status != 503);
            if (status is not null && status < 500 && status != 429)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), cancellationToken);
        }

        return new Outcome(false, maybeStored, null);
    }

    private void Settle(LoadTenant tenant, string metric, DateTimeOffset periodEnd, long units, Outcome outcome)
    {
        if (outcome.Confirmed)
        {
            tally.Confirm(tenant.Id, metric, periodEnd, units);
        }
        else if (outcome.MaybeStored)
        {
            tally.MaybeRecorded(tenant.Id, metric, periodEnd, units);
        }
    }

    /// <summary>The status, the body of a 2xx, and the end of the period a metered answer's <c>X-Quota-Reset</c> names.</summary>
    private async Task<(int? Status, JsonElement? Body, DateTimeOffset? ResetAt)> SendAsync(int api, LoadTenant tenant, string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Key);
        tally.RequestSent();
        try
        {
            using var response = await _clients[api].SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            tally.Answered(status);
            if (status is < 200 or >= 300)
            {
                return (status, null, null);
            }

            var resetAt = response.Headers.TryGetValues("X-Quota-Reset", out var resets)
                ? DateTimeOffset.Parse(resets.First().Split(',')[0].Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : (DateTimeOffset?)null;
            return (status, await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken), resetAt);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            tally.NoAnswer();
            return (null, null, null);
        }
    }
}
