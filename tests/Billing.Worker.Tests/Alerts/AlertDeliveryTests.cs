using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure.Alerts;
using Billing.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Worker.Tests.Alerts;

/// <summary>Pending alerts are POSTed, signed, to a real endpoint on 127.0.0.1; failures back off and end as failed.</summary>
public sealed class AlertDeliveryTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Anchor = AlertsWorld.Anchor;
    private static readonly DateTimeOffset Now = AlertsWorld.Now;

    /// <summary>A Standard tenant past 50 % of its tokens (80 % too with 8,000,000): its alerts are pending at <see cref="Now"/>.</summary>
    private static async Task<Guid> TenantWithAlertsAsync(AlertsWorld world, string? url, long tokens = 5_000_000)
    {
        var tenant = await world.CreateTenantAsync(Anchor, webhookUrl: url);
        await world.AddUsageAsync(tenant, "llm_tokens", tokens, Anchor.AddDays(2));
        await world.EvaluateAsync(tenant, Now);
        return tenant;
    }

    private static Dictionary<string, string> SignatureParts(string header) =>
        header.Split(',').Select(part => part.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    [Fact]
    public async Task A_due_alert_is_posted_as_json_with_a_signature_the_tenants_secret_verifies()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await TenantWithAlertsAsync(world, receiver.Url, tokens: 8_000_000);
        var secret = await world.SecretOfAsync(tenant);

        var pass = await world.DeliverAsync(Now);

        Assert.Equal(new AlertDeliverer.PassResult(2, 0, 0, 0), pass);
        var rows = await world.AlertsAsync(tenant);
        Assert.All(rows, a => Assert.Equal((AlertDeliveryStatus.Delivered, 1, (DateTimeOffset?)Now, (DateTimeOffset?)null, (string?)null),
            (a.DeliveryStatus, a.DeliveryAttempts, a.DeliveredAt, a.NextAttemptAt, a.LastError)));
        var requests = receiver.Requests.ToList();
        Assert.Equal(2, requests.Count);
        foreach (var request in requests)
        {
            Assert.Equal("POST", request.Method);
            Assert.Equal("application/json; charset=utf-8", request.ContentType);
            var parts = SignatureParts(request.Signature!);
            Assert.Equal(Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), parts["t"]);
            // Computed here from the definition, not with our own helper: t, a dot and the raw body, keyed by the secret.
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{request.Body}")));
            Assert.Equal(expected, parts["v1"]);
            Assert.True(AlertSignature.Verify(secret, request.Signature, request.Body, Now.AddSeconds(30), AlertSignature.DefaultTolerance));
            Assert.False(AlertSignature.Verify(AlertSecrets.Generate(), request.Signature, request.Body, Now, AlertSignature.DefaultTolerance));
            Assert.False(AlertSignature.Verify(secret, request.Signature, request.Body.Replace("8000000", "9000000", StringComparison.Ordinal), Now, AlertSignature.DefaultTolerance));
            Assert.False(AlertSignature.Verify(secret, request.Signature, request.Body, Now.AddMinutes(6), AlertSignature.DefaultTolerance));
        }

        var bodies = requests.Select(r => JsonDocument.Parse(r.Body).RootElement).OrderBy(b => b.GetProperty("thresholdPercent").GetInt32()).ToList();
        for (var i = 0; i < 2; i++)
        {
            var body = bodies[i];
            var row = rows.Single(a => a.ThresholdPercent == body.GetProperty("thresholdPercent").GetInt32());
            Assert.Equal(row.Id, body.GetProperty("id").GetGuid());
            Assert.Equal(AlertWebhookPayload.EventType, body.GetProperty("type").GetString());
            Assert.Equal(tenant, body.GetProperty("tenantId").GetGuid());
            Assert.Equal("included", body.GetProperty("kind").GetString());
            Assert.Equal("llm_tokens", body.GetProperty("metric").GetString());
            Assert.Equal(8_000_000, body.GetProperty("value").GetInt64());
            Assert.Equal(10_000_000, body.GetProperty("limit").GetInt64());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("currency").ValueKind);
            Assert.Equal(Anchor, body.GetProperty("periodStart").GetDateTimeOffset());
            Assert.Equal(Now, body.GetProperty("createdAt").GetDateTimeOffset());
        }

        Assert.Equal([50, 80], bodies.Select(b => b.GetProperty("thresholdPercent").GetInt32()));
    }

    [Fact]
    public async Task A_refused_attempt_is_retried_after_the_backoff_and_delivered_on_the_second()
    {
        await using var receiver = await AlertReceiver.StartAsync(500);
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await TenantWithAlertsAsync(world, receiver.Url);

        var first = await world.DeliverAsync(Now);
        var afterFirst = Assert.Single(await world.AlertsAsync(tenant));
        var early = await world.DeliverAsync(Now.AddSeconds(30));
        var second = await world.DeliverAsync(Now.AddMinutes(1));

        Assert.Equal(new AlertDeliverer.PassResult(0, 1, 0, 0), first);
        Assert.Equal((AlertDeliveryStatus.Pending, 1, (DateTimeOffset?)Now.AddMinutes(1), "HTTP 500"),
            (afterFirst.DeliveryStatus, afterFirst.DeliveryAttempts, afterFirst.NextAttemptAt, afterFirst.LastError));
        Assert.Equal(new AlertDeliverer.PassResult(0, 0, 0, 0), early);
        Assert.Equal(new AlertDeliverer.PassResult(1, 0, 0, 0), second);
        var delivered = Assert.Single(await world.AlertsAsync(tenant));
        Assert.Equal((AlertDeliveryStatus.Delivered, 2, (DateTimeOffset?)Now.AddMinutes(1), (string?)null),
            (delivered.DeliveryStatus, delivered.DeliveryAttempts, delivered.DeliveredAt, delivered.LastError));
        var requests = receiver.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(delivered.Id, JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetGuid()));
        Assert.Equal(
            [Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Now.AddMinutes(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
            requests.Select(r => SignatureParts(r.Signature!)["t"]));
    }

    [Fact]
    public async Task An_alert_refused_at_every_attempt_is_failed_after_the_last_with_doubling_waits()
    {
        await using var receiver = await AlertReceiver.StartAsync(500, 503, 500, 500);
        await using var world = await AlertsWorld.CreateAsync(stores, new Dictionary<string, string?> { ["Alerts:MaxAttempts"] = "3" });
        var tenant = await TenantWithAlertsAsync(world, receiver.Url);

        var waits = new List<DateTimeOffset?>();
        foreach (var at in new[] { Now, Now.AddMinutes(1), Now.AddMinutes(3) })
        {
            await world.DeliverAsync(at);
            waits.Add(Assert.Single(await world.AlertsAsync(tenant)).NextAttemptAt);
        }

        var later = await world.DeliverAsync(Now.AddDays(1));

        Assert.Equal([Now.AddMinutes(1), Now.AddMinutes(3), null], waits);
        var failed = Assert.Single(await world.AlertsAsync(tenant));
        Assert.Equal((AlertDeliveryStatus.Failed, 3, "HTTP 500", (DateTimeOffset?)null), (failed.DeliveryStatus, failed.DeliveryAttempts, failed.LastError, failed.DeliveredAt));
        Assert.Equal(new AlertDeliverer.PassResult(0, 0, 0, 0), later);
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task An_unreachable_endpoint_counts_as_a_failed_attempt()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await TenantWithAlertsAsync(world, $"http://127.0.0.1:{LocalServerProcess.FreePort()}/alerts");

        var pass = await world.DeliverAsync(Now);

        Assert.Equal(new AlertDeliverer.PassResult(0, 1, 0, 0), pass);
        var alert = Assert.Single(await world.AlertsAsync(tenant));
        Assert.Equal((AlertDeliveryStatus.Pending, 1, (DateTimeOffset?)Now.AddMinutes(1)), (alert.DeliveryStatus, alert.DeliveryAttempts, alert.NextAttemptAt));
        Assert.False(string.IsNullOrEmpty(alert.LastError));
    }

    [Fact]
    public async Task A_tenant_without_a_url_has_its_alerts_skipped_and_still_listed()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await TenantWithAlertsAsync(world, url: null, tokens: 8_000_000);

        var pass = await world.DeliverAsync(Now);
        var again = await world.DeliverAsync(Now.AddHours(1));

        Assert.Equal(new AlertDeliverer.PassResult(0, 0, 0, 2), pass);
        Assert.Equal(new AlertDeliverer.PassResult(0, 0, 0, 0), again);
        Assert.Equal([(50, AlertDeliveryStatus.Skipped, 0), (80, AlertDeliveryStatus.Skipped, 0)],
            (await world.AlertsAsync(tenant)).Select(a => (a.ThresholdPercent, a.DeliveryStatus, a.DeliveryAttempts)));
    }

    [Fact]
    public async Task Deliverers_running_at_once_send_each_alert_exactly_once()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var world = await AlertsWorld.CreateAsync(stores, new Dictionary<string, string?> { ["Alerts:BatchSize"] = "3" });
        var tenants = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            tenants.Add(await TenantWithAlertsAsync(world, receiver.Url, tokens: 8_000_000));
        }

        var passes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => world.DeliverAsync(Now), TestContext.Current.CancellationToken)));

        var ids = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(16, ids.Count);
        Assert.Equal(16, ids.Distinct().Count());
        Assert.Equal(16, passes.Sum(p => p.Delivered));
        foreach (var tenant in tenants)
        {
            Assert.All(await world.AlertsAsync(tenant), a => Assert.Equal((AlertDeliveryStatus.Delivered, 1), (a.DeliveryStatus, a.DeliveryAttempts)));
        }
    }

    [Fact]
    public async Task A_pass_longer_than_a_lease_claims_each_batch_when_it_starts_and_signs_each_request_when_it_is_sent()
    {
        // Batches of 2 sent one request at a time to an endpoint taking 9 s: a batch lasts 18 s, its lease 80 s (2 × the
        // 10 s timeout + 1 minute), the pass over 12 alerts 108 s. A second deliverer runs while the 11th is received.
        await using var world = await AlertsWorld.CreateAsync(stores, new Dictionary<string, string?> { ["Alerts:BatchSize"] = "2", ["Alerts:Parallelism"] = "1" });
        await using var receiver = await AlertReceiver.StartAsync();
        for (var i = 0; i < 6; i++)
        {
            await TenantWithAlertsAsync(world, receiver.Url, tokens: 8_000_000);
        }

        var receivedAt = new System.Collections.Concurrent.ConcurrentQueue<(string Signature, DateTimeOffset At)>();
        AlertDeliverer.PassResult? meanwhile = null;
        receiver.OnRequest = async request =>
        {
            receivedAt.Enqueue((request.Signature!, world.Clock.GetUtcNow()));
            world.Clock.Advance(TimeSpan.FromSeconds(9));
            if (receivedAt.Count == 11)
            {
                meanwhile = await world.DeliverNowAsync();
            }
        };

        var pass = await world.DeliverAsync(Now);

        var ids = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(12, ids.Count);
        Assert.Equal(12, ids.Distinct().Count());
        Assert.Equal(new AlertDeliverer.PassResult(12, 0, 0, 0), pass);
        Assert.Equal(new AlertDeliverer.PassResult(0, 0, 0, 0), meanwhile);
        Assert.Equal(Now.AddSeconds(99), receivedAt.Last().At);
        Assert.All(receivedAt, r =>
            Assert.InRange(r.At - DateTimeOffset.FromUnixTimeSeconds(long.Parse(SignatureParts(r.Signature)["t"], CultureInfo.InvariantCulture)), TimeSpan.Zero, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Private_network_endpoints_are_refused_unless_the_operator_allows_them()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var world = await AlertsWorld.CreateAsync(stores, new Dictionary<string, string?> { ["Alerts:AllowPrivateNetworks"] = "false" });
        var tenant = await TenantWithAlertsAsync(world, receiver.Url);

        var pass = await world.DeliverAsync(Now);

        Assert.Equal(new AlertDeliverer.PassResult(0, 1, 0, 0), pass);
        Assert.Empty(receiver.Requests);
        Assert.Contains("public endpoints only", Assert.Single(await world.AlertsAsync(tenant)).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_an_http_endpoint_is_never_sent_to()
    {
        await using var receiver = await AlertReceiver.StartAsync();
        await using var world = await AlertsWorld.CreateAsync(stores, new Dictionary<string, string?> { ["Alerts:AllowHttp"] = null });
        var tenant = await TenantWithAlertsAsync(world, receiver.Url);

        var pass = await world.DeliverAsync(Now);

        Assert.Equal(new AlertDeliverer.PassResult(0, 1, 0, 0), pass);
        Assert.Empty(receiver.Requests);
        Assert.Contains("Only https", Assert.Single(await world.AlertsAsync(tenant)).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raised_delivered_and_failed_alerts_are_counted_on_the_Billing_Alerts_meter()
    {
        await using var accepting = await AlertReceiver.StartAsync();
        await using var refusing = await AlertReceiver.StartAsync(500);
        await using var world = await AlertsWorld.CreateAsync(stores, new Dictionary<string, string?> { ["Alerts:MaxAttempts"] = "1" });
        var meters = world.Services.GetRequiredService<IMeterFactory>();
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        // Only this world's meter: other tests' hosts publish on meters of the same name.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AlertMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts)
            {
                counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        await TenantWithAlertsAsync(world, accepting.Url, tokens: 8_000_000);
        await TenantWithAlertsAsync(world, refusing.Url);
        await world.DeliverAsync(Now);

        Assert.Equal(3, counts["billing.alerts.raised"]);
        Assert.Equal(2, counts["billing.alerts.delivered"]);
        Assert.Equal(1, counts["billing.alerts.failed"]);
    }
}
