using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Billing.Reliability.Tests.Harness;
using Npgsql;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>Scenarios 5 and 6: Stripe failing, slow and gone while usage is submitted; its webhooks duplicated, reordered and replayed.</summary>
public sealed partial class FaultScenarios
{
    [Fact]
    [Scenario(7)]
    public async Task Stripe_answering_500s_and_429s_while_usage_is_submitted()
    {
        var result = await new ScenarioRunner(system).RunAsync("5a. Stripe 500s and 429s", async ct =>
        {
            foreach (var status in new[] { 500, 429 })
            {
                await Faults.StripeMeterFaultAsync(system, status, count: 4);
                await SubmitDuringAsync(TimeSpan.FromSeconds(5), ct);
            }

            await Faults.ClearStripeFaultsAsync(system);
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(8)]
    public async Task Stripe_answering_after_five_seconds_while_usage_is_submitted()
    {
        var result = await new ScenarioRunner(system).RunAsync("5b. Stripe 5 s delays", async ct =>
        {
            await Faults.StripeMeterFaultAsync(system, status: 0, count: 6, delayMs: 5000);
            await SubmitDuringAsync(TimeSpan.FromSeconds(12), ct);
            await Faults.ClearStripeFaultsAsync(system);
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(9)]
    public async Task Stripe_down_for_a_minute_while_usage_is_submitted()
    {
        var result = await new ScenarioRunner(system).RunAsync("5c. Stripe down 60 s", async ct =>
        {
            await system.Emulator.KillAsync();
            await SubmitDuringAsync(TimeSpan.FromSeconds(60), ct);
            await system.Emulator.StartAsync(ct);
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(10)]
    public async Task Stripe_webhooks_duplicated_reordered_and_replayed_are_applied_once()
    {
        var answers = new List<int>();
        var result = await new ScenarioRunner(system).RunAsync("6. webhooks duplicated/reordered/replayed", async ct =>
        {
            var events = await RecentEventsAsync(ct);
            // Every event twice to each API, in a shuffled order, then all of them once more later (a replay).
            var deliveries = events.SelectMany(e => new[] { e, e, e, e }).ToArray();
            Random.Shared.Shuffle(deliveries);
            answers.AddRange(await DeliverAsync(deliveries, ct));
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            answers.AddRange(await DeliverAsync([.. events.AsEnumerable().Reverse()], ct));
        }, Token);

        Assert.All(answers, status => Assert.InRange(status, 200, 299));
        await using var connection = await system.OpenAsync(Token);
        await using var check = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM (SELECT stripe_event_id FROM webhook_events GROUP BY 1 HAVING count(*) > 1) d),
                   (SELECT count(*) FROM subscriptions WHERE plan = 'standard' AND status <> 'active')
            """, connection);
        await using var reader = await check.ExecuteReaderAsync(Token);
        await reader.ReadAsync(Token);
        Assert.Equal((0L, 0L), (reader.GetInt64(0), reader.GetInt64(1)));
        ScenarioAssert.Holds(result);
    }

    /// <summary>Triggers aggregation and submission every few seconds for <paramref name="duration"/>.</summary>
    private async Task SubmitDuringAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until)
        {
            await system.Jobs.TriggerUnlessQueuedAsync(HangfireJobs.Aggregation, cancellationToken);
            await system.Jobs.TriggerUnlessQueuedAsync(HangfireJobs.Submission, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        }
    }

    private async Task<List<string>> RecentEventsAsync(CancellationToken cancellationToken)
    {
        using var control = system.EmulatorControl();
        var list = await control.GetFromJsonAsync<JsonElement>("/v1/events?limit=100", cancellationToken);
        return [.. list.GetProperty("data").EnumerateArray().Select(e => e.GetRawText())];
    }

    /// <summary>Posts each payload, signed as Stripe signs it, alternately to the two APIs.</summary>
    private async Task<List<int>> DeliverAsync(IReadOnlyList<string> payloads, CancellationToken cancellationToken)
    {
        var statuses = new List<int>();
        for (var i = 0; i < payloads.Count; i++)
        {
            using var http = new HttpClient { BaseAddress = system.Apis[i % system.Apis.Count].BaseAddress };
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(
                Encoding.UTF8.GetBytes(ReliabilitySystem.WebhookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{payloads[i]}")));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe")
            {
                Content = new StringContent(payloads[i], Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Stripe-Signature", $"t={timestamp},v1={signature}");
            using var response = await http.SendAsync(request, cancellationToken);
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }
}
