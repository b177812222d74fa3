using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Stripe;

/// <summary><c>POST /api/v1/webhooks/stripe</c>: signatures, once-only processing, and ordering.</summary>
public sealed class WebhookEndpointTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    /// <summary>A <c>customer.subscription.updated</c> event for an existing subscription, created at <paramref name="created"/>.</summary>
    private static string SubscriptionUpdated(string eventId, JsonNode subscription, string status, long created)
    {
        var copy = subscription.DeepClone();
        copy["status"] = status;
        return new JsonObject
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["api_version"] = "2026-10-28.endive",
            ["created"] = created,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["type"] = "customer.subscription.updated",
            ["data"] = new JsonObject { ["object"] = copy },
        }.ToJsonString();
    }

    [Fact]
    public async Task A_forged_signature_is_a_400_problem_and_nothing_is_stored()
    {
        var payload = """{"id":"evt_forged","object":"event","api_version":"2026-10-28.endive","created":1,"type":"invoice.paid","data":{"object":{}}}""";

        var wrongSecret = await system.DeliverWebhookAsync(payload, StripeSystem.Sign(payload, "whsec_not_the_secret"));
        var tampered = await system.DeliverWebhookAsync(payload.Replace("invoice.paid", "invoice.voided", StringComparison.Ordinal), StripeSystem.Sign(payload));
        var stale = await system.DeliverWebhookAsync(payload, StripeSystem.Sign(payload, StripeSystem.WebhookSecret, DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds()));

        Assert.All(new[] { wrongSecret, tampered, stale }, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal("application/problem+json", wrongSecret.Content.Headers.ContentType?.MediaType);
        await using var db = system.CreateDbContext();
        Assert.False(await db.WebhookEvents.AnyAsync(e => e.StripeEventId == "evt_forged", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_same_event_delivered_twice_is_stored_and_processed_once()
    {
        var payload = """{"id":"evt_twice","object":"event","api_version":"2026-10-28.endive","created":1700000000,"type":"product.created","data":{"object":{"id":"prod_x","object":"product"}}}""";

        var first = await (await system.DeliverWebhookAsync(payload)).Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var second = await (await system.DeliverWebhookAsync(payload)).Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AnyAsync(e => e.StripeEventId == "evt_twice" && e.Status != "received"));

        Assert.False(first.GetProperty("duplicate").GetBoolean());
        Assert.True(second.GetProperty("duplicate").GetBoolean());
        await using var db = system.CreateDbContext();
        var stored = await db.WebhookEvents.SingleAsync(e => e.StripeEventId == "evt_twice", TestContext.Current.CancellationToken);
        Assert.Equal(1, stored.Attempts);
        var audit = await db.AuditLog.Select(a => a.Details).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, audit.Count(details => details is not null && details.Contains("evt_twice", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_older_subscription_update_delivered_after_a_newer_one_does_not_overwrite_it()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        await system.CardOnFileAsync(tenantId);
        using var http = system.Client(key);
        (await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "standard" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AllAsync(e => e.Status != "received"));
        string subscriptionId;
        await using (var db = system.CreateDbContext())
        {
            subscriptionId = (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).StripeSubscriptionId!;
        }

        var subscription = JsonNode.Parse(await system.Emulator.GetStringAsync($"/v1/subscriptions/{subscriptionId}", TestContext.Current.CancellationToken))!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600;
        var newer = SubscriptionUpdated($"evt_newer_{tenantId:N}", subscription, "past_due", now);
        var older = SubscriptionUpdated($"evt_older_{tenantId:N}", subscription, "active", now - 60);

        await system.DeliverWebhookAsync(newer);
        await system.ProcessWebhooksUntilAsync(async db => (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).Status == "past_due");
        await system.DeliverWebhookAsync(older);
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AnyAsync(e => e.StripeEventId == $"evt_older_{tenantId:N}" && e.Status != "received"));

        await using var check = system.CreateDbContext();
        Assert.Equal("past_due", (await check.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
        Assert.Equal("ignored", (await check.WebhookEvents.SingleAsync(e => e.StripeEventId == $"evt_older_{tenantId:N}", TestContext.Current.CancellationToken)).Status);
    }
}
