using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// Late and same-second Stripe events (<c>created</c> has whole seconds): a payment failure that arrives after the
/// payment starts no grace, and ties never move an invoice or a subscription back to an older state.
/// </summary>
public sealed class WebhookOrderingTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    private async Task<string> CustomerOfAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        return (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).StripeCustomerId!;
    }

    /// <summary>The newest stored event of <paramref name="type"/> about <paramref name="customer"/>, waiting for it to arrive (without processing it).</summary>
    private async Task<WebhookEvent> StoredEventAsync(string type, string customer)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var db = system.CreateDbContext())
            {
                var events = await db.WebhookEvents.AsNoTracking().Where(e => e.Type == type).OrderByDescending(e => e.Id).ToListAsync(TestContext.Current.CancellationToken);
                if (events.FirstOrDefault(e => e.Payload.Contains(customer, StringComparison.Ordinal)) is { } found)
                {
                    return found;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"no {type} event for {customer} arrived");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Another event with the same <c>created</c> second as <paramref name="original"/>, of another type, with its object changed.</summary>
    private static string SameSecond(WebhookEvent original, string type, Action<JsonNode> change)
    {
        var copy = JsonNode.Parse(original.Payload)!;
        copy["id"] = $"evt_tie_{Guid.NewGuid():N}";
        copy["type"] = type;
        change(copy["data"]!["object"]!);
        return copy.ToJsonString();
    }

    private async Task DeliverAndProcessAsync(string payload)
    {
        (await system.DeliverWebhookAsync(payload)).EnsureSuccessStatusCode();
        var id = JsonNode.Parse(payload)!["id"]!.GetValue<string>();
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AnyAsync(e => e.StripeEventId == id && e.Status != "received"));
    }

    [Fact]
    public async Task A_payment_failure_delivered_after_the_invoice_was_paid_starts_no_grace()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        var customer = await CustomerOfAsync(tenantId);
        (await system.Emulator.PostAsJsonAsync($"/_emulator/customers/{customer}/fail_payments", new { fail = true }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));

        // The failure's delivery is delayed: it leaves the inbox and comes back after the payment, as a Stripe retry would.
        var failure = await StoredEventAsync("invoice.payment_failed", customer);
        await using (var db = system.CreateDbContext())
        {
            await db.WebhookEvents.Where(e => e.Id == failure.Id).ExecuteDeleteAsync(TestContext.Current.CancellationToken);
        }

        (await system.Emulator.PostAsJsonAsync($"/_emulator/customers/{customer}/fail_payments", new { fail = false }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var open = Assert.Single((await system.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customer, Status = "open" },
            cancellationToken: TestContext.Current.CancellationToken)).Data);
        await system.Stripe.V1.Invoices.PayAsync(open.Id, cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.StripeInvoiceId == open.Id && i.Status == "paid")
            && (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).Status == "active");
        await DeliverAndProcessAsync(failure.Payload);

        var subscription = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var served = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "paid up" }, TestContext.Current.CancellationToken);
        Assert.Equal("active", subscription.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, subscription.GetProperty("paymentFailedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, subscription.GetProperty("graceEndsAt").ValueKind);
        Assert.False(served.Headers.TryGetValues("X-Quota-Warning", out var warnings) && warnings.Any(w => w.Contains("payment", StringComparison.OrdinalIgnoreCase)));
        await using var check = system.CreateDbContext();
        Assert.Equal("paid", (await check.Invoices.SingleAsync(i => i.StripeInvoiceId == open.Id, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task A_same_second_failure_never_moves_a_paid_invoice_back_to_open_nor_starts_grace()
    {
        var (tenantId, _) = await system.PaidTenantAsync("standard");
        var paid = await StoredEventAsync("invoice.paid", await CustomerOfAsync(tenantId));

        await DeliverAndProcessAsync(SameSecond(paid, "invoice.payment_failed", invoice =>
        {
            invoice["status"] = "open";
            invoice["amount_paid"] = 0;
        }));

        await using var db = system.CreateDbContext();
        var invoice = await db.Invoices.SingleAsync(i => i.TenantId == tenantId, TestContext.Current.CancellationToken);
        Assert.Equal(("paid", 9_900L), (invoice.Status, invoice.AmountPaidCents));
        Assert.Null((await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).PaymentFailedAt);
    }

    [Fact]
    public async Task A_same_second_update_does_not_revive_a_deleted_subscription()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await StripeSystem.PostAsync(http, "/api/v1/subscription/cancel", new { atPeriodEnd = false });
        var deleted = await StoredEventAsync("customer.subscription.deleted", await CustomerOfAsync(tenantId));
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AnyAsync(e => e.Id == deleted.Id && e.Status != "received"));

        await DeliverAndProcessAsync(SameSecond(deleted, "customer.subscription.updated", subscription =>
        {
            subscription["status"] = "active";
            subscription["ended_at"] = null;
        }));

        await using var db = system.CreateDbContext();
        Assert.Equal("canceled", (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task A_same_second_update_is_settled_by_the_subscription_stripe_holds()
    {
        var (tenantId, _) = await system.PaidTenantAsync("standard");
        var created = await StoredEventAsync("customer.subscription.created", await CustomerOfAsync(tenantId));

        await DeliverAndProcessAsync(SameSecond(created, "customer.subscription.updated", subscription => subscription["status"] = "past_due"));

        await using var db = system.CreateDbContext();
        Assert.Equal("active", (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
    }
}
