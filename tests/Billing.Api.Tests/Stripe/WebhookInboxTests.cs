using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// Stripe stops resending an event once it got our 200, so the inbox is the only copy: an event that fails to apply is
/// retried for three days, then listed for the operator, who replays it once the cause is gone.
/// </summary>
public sealed class WebhookInboxTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    private static string CustomerUpdated(string eventId, string customerId) => new JsonObject
    {
        ["id"] = eventId,
        ["object"] = "event",
        ["api_version"] = "2026-10-28.endive",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["type"] = "customer.updated",
        ["data"] = new JsonObject { ["object"] = new JsonObject { ["id"] = customerId, ["object"] = "customer" } },
    }.ToJsonString();

    [Fact]
    public async Task An_event_failing_for_three_days_of_attempts_is_listed_for_the_operator_and_a_replay_applies_it()
    {
        var (tenantId, _) = await system.CreateTenantAsync("free");
        var customer = await system.CardOnFileAsync(tenantId);
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.PaymentMethodId != null));
        var eventId = $"evt_inbox_{Guid.NewGuid():N}";
        // Stripe refuses every customer read (a 400 is not retried by the HTTP client): applying the event fails each time.
        (await system.Emulator.PostAsJsonAsync("/_emulator/faults", new { path = "/v1/customers", status = 400, count = 10_000 },
            TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await system.DeliverWebhookAsync(CustomerUpdated(eventId, customer))).EnsureSuccessStatusCode();

        var statuses = new List<string>();
        await using (var db = system.CreateDbContext())
        {
            for (var step = 0; step < WebhookRetries.MaxAttempts + 5; step++)
            {
                // Each backoff has passed: the next attempt is due now.
                await db.Database.ExecuteSqlAsync($"UPDATE webhook_events SET next_attempt_at = now() - interval '1 second' WHERE stripe_event_id = {eventId} AND status = 'received'",
                    TestContext.Current.CancellationToken);
                await system.ProcessNextWebhookAsync();
                statuses.Add(await db.WebhookEvents.Where(e => e.StripeEventId == eventId).Select(e => e.Status).SingleAsync(TestContext.Current.CancellationToken));
            }
        }

        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);
        var failed = await operatorHttp.GetFromJsonAsync<JsonElement>("/api/v1/webhooks/stripe/events?status=failed", TestContext.Current.CancellationToken);
        var listed = failed.EnumerateArray().Single(e => e.GetProperty("stripeEventId").GetString() == eventId);
        await system.Emulator.DeleteAsync("/_emulator/faults", TestContext.Current.CancellationToken);
        var replay = await operatorHttp.PostAsync($"/api/v1/webhooks/stripe/events/{listed.GetProperty("id").GetInt64()}/replay", null, TestContext.Current.CancellationToken);
        var replayedTwice = await operatorHttp.PostAsync($"/api/v1/webhooks/stripe/events/{listed.GetProperty("id").GetInt64()}/replay", null, TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AnyAsync(e => e.StripeEventId == eventId && e.Status != "received"));

        // Retried, not given up, for the first ten attempts (where it used to stop) and on to the three-day count.
        Assert.All(statuses.Take(WebhookRetries.MaxAttempts - 1), s => Assert.Equal("received", s));
        Assert.All(statuses.Skip(WebhookRetries.MaxAttempts - 1), s => Assert.Equal("failed", s));
        Assert.Equal(WebhookRetries.MaxAttempts, listed.GetProperty("attempts").GetInt32());
        Assert.Contains("injected by the emulator", listed.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replayedTwice.StatusCode);
        Assert.Equal("application/problem+json", replayedTwice.Content.Headers.ContentType?.MediaType);
        await using var after = system.CreateDbContext();
        Assert.Equal("processed", await after.WebhookEvents.Where(e => e.StripeEventId == eventId).Select(e => e.Status).SingleAsync(TestContext.Current.CancellationToken));
        var actions = (await after.AuditLog.Where(a => a.TenantId == null || a.TenantId == tenantId).OrderBy(a => a.Id).ToListAsync(TestContext.Current.CancellationToken))
            .Where(a => a.Details?.Contains(eventId, StringComparison.Ordinal) == true).Select(a => a.Action).ToList();
        Assert.Equal(WebhookRetries.MaxAttempts - 1, actions.Count(a => a == "webhook.retrying"));
        Assert.Equal(["webhook.failed", "webhook.replayed", "webhook.processed"], actions.Where(a => a != "webhook.retrying"));
    }

    [Fact]
    public async Task Only_the_operator_sees_the_inbox_and_an_unknown_event_is_a_404()
    {
        var (_, key) = await system.CreateTenantAsync("free");
        using var tenant = system.Client(key);
        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);

        var asTenant = await tenant.GetAsync("/api/v1/webhooks/stripe/events", TestContext.Current.CancellationToken);
        var replayAsTenant = await tenant.PostAsync("/api/v1/webhooks/stripe/events/1/replay", null, TestContext.Current.CancellationToken);
        var unknown = await operatorHttp.PostAsync("/api/v1/webhooks/stripe/events/999999999/replay", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, asTenant.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, replayAsTenant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
