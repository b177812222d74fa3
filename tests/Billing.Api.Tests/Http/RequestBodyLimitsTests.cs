using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Api.Tests.Stripe;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Http;

/// <summary>
/// The server takes no body larger than its largest endpoint needs (1 MiB of usage events); the Stripe webhook and
/// settings take much less. Past a limit the answer is a 413 problem and nothing changes. On a real Kestrel server,
/// which enforces the limits while reading.
/// </summary>
public sealed class RequestBodyLimitsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string WebhookSecret = "whsec_body_limits_0123456789";

    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> OnKestrel() => api.ReplicaOnKestrel(("Stripe:WebhookSecret", WebhookSecret));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The same JSON without a length up front (chunked), which the server must stop reading at the limit.</summary>
    private static StreamContent Chunked(string json)
    {
        var content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task No_endpoint_takes_more_than_one_mebibyte()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync();
        await using var server = OnKestrel();
        using var http = server.ClientWithKey(key);
        // The example metered route declares no limit of its own: the server's applies.
        var body = $$"""{"prompt":"{{new string('a', 1024 * 1024)}}","maxTokens":5}""";

        var response = await http.PostAsync("/api/v1/llm/completions", Json(body), TestContext.Current.CancellationToken);

        await AssertTooLargeAsync(response);
    }

    [Fact]
    public async Task A_stripe_event_over_256_KiB_is_refused_and_not_stored()
    {
        await using var server = OnKestrel();
        using var http = server.CreateClient();
        var payload = JsonSerializer.Serialize(new
        {
            id = "evt_oversized", @object = "event", api_version = "2026-10-28.endive", created = 1700000000, type = "product.created",
            data = new { @object = new { id = "prod_x", @object = "product", description = new string('x', 300 * 1024) } },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe") { Content = Json(payload) };
        request.Headers.Add("Stripe-Signature", StripeSystem.Sign(payload, WebhookSecret));

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertTooLargeAsync(response);
        await using var db = api.CreateDbContext();
        Assert.False(await db.WebhookEvents.AnyAsync(e => e.StripeEventId == "evt_oversized", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Settings_over_16_KiB_are_refused_and_unchanged(bool chunked)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        await using var server = OnKestrel();
        using var http = server.ClientWithKey(key);
        // Valid settings, padded with whitespace that JSON ignores.
        var body = $$"""{"webhookUrl":"https://hooks.example.com/big",{{new string(' ', 20 * 1024)}}"spendLimitCents":100}""";

        var response = await http.PutAsync("/api/v1/alerts/settings", chunked ? Chunked(body) : Json(body), TestContext.Current.CancellationToken);

        await AssertTooLargeAsync(response);
        await using var db = api.CreateDbContext();
        Assert.Null((await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).AlertWebhookUrl);
    }

    [Fact]
    public async Task Small_settings_and_a_large_batch_of_events_still_pass()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        await using var server = OnKestrel();
        using var http = server.ClientWithKey(key);
        var now = DateTimeOffset.UtcNow;
        // 1,000 events with properties: over 256 KiB, under 1 MiB.
        var events = Enumerable.Range(0, 1000).Select(i => new
        {
            id = $"big-{i}", metric = "api_calls", value = 1, timestamp = now, properties = new { route = new string('r', 400) },
        });
        var batch = JsonSerializer.Serialize(new { events });

        var settings = await http.PutAsync("/api/v1/alerts/settings", Json("""{"webhookUrl":"https://hooks.example.com/ok","spendLimitCents":100}"""), TestContext.Current.CancellationToken);
        var ingested = await http.PostAsync("/api/v1/usage/events", Json(batch), TestContext.Current.CancellationToken);

        Assert.InRange(Encoding.UTF8.GetByteCount(batch), 256 * 1024, 1024 * 1024);
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ingested.StatusCode);
        await using var db = api.CreateDbContext();
        Assert.Equal(1000, await db.UsageEvents.CountAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    /// <summary>A stream whose length is unknown, so the client sends it chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
