using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Stripe;

/// <summary>Plan changes and cancellations through the API, made in Stripe (the emulator) and reconciled from its webhooks.</summary>
public sealed class SubscriptionLifecycleTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task Free_to_standard_creates_a_stripe_subscription_whose_first_invoice_arrives_by_webhook()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");

        var subscription = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var invoices = await http.GetFromJsonAsync<JsonElement>("/api/v1/invoices", TestContext.Current.CancellationToken);

        Assert.Equal("standard", subscription.GetProperty("plan").GetString());
        Assert.Equal("active", subscription.GetProperty("status").GetString());
        var invoice = invoices.GetProperty("items")[0];
        Assert.Equal("paid", invoice.GetProperty("status").GetString());
        Assert.Equal(9900, invoice.GetProperty("totalCents").GetInt64());
        Assert.Equal(9900, invoice.GetProperty("amountPaidCents").GetInt64());
        Assert.StartsWith("http", invoice.GetProperty("invoicePdfUrl").GetString());
        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);
        var audit = await operatorHttp.GetFromJsonAsync<JsonElement>($"/api/v1/audit-log?tenantId={tenantId}", TestContext.Current.CancellationToken);
        var actions = audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Contains("subscription.plan_changed", actions);
        Assert.Contains("webhook.processed", actions);
    }

    [Fact]
    public async Task An_upgrade_mid_period_puts_proration_lines_on_the_next_invoice()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await system.AdvanceClockAsync(TimeSpan.FromDays(10));

        var upgraded = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "enterprise" });
        await system.AdvanceClockAsync(TimeSpan.FromDays(21));
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "paid") >= 2);

        Assert.Equal("enterprise", upgraded.GetProperty("plan").GetString());
        await using var db = system.CreateDbContext();
        var renewal = await db.Invoices.Include(i => i.Lines).Where(i => i.TenantId == tenantId).OrderByDescending(i => i.CreatedAt).FirstAsync(TestContext.Current.CancellationToken);
        var prorations = renewal.Lines.Where(l => l.Proration).ToList();
        Assert.Equal(2, prorations.Count);
        Assert.Contains(prorations, l => l.AmountCents < 0);
        Assert.Contains(prorations, l => l.AmountCents > 0);
        Assert.Equal(renewal.Lines.Sum(l => l.AmountCents), renewal.TotalCents);
    }

    [Fact]
    public async Task A_downgrade_waits_for_the_period_end()
    {
        var (tenantId, http) = await system.PaidTenantAsync("enterprise");

        var scheduled = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        await system.ProcessWebhooksUntilAsync(async db => (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).Plan == "standard");

        Assert.Equal("enterprise", scheduled.GetProperty("plan").GetString());
        Assert.Equal("standard", scheduled.GetProperty("pendingPlan").GetString());
        var after = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("pendingPlan").ValueKind);
    }

    [Fact]
    public async Task Cancel_at_period_end_keeps_the_service_until_stripe_ends_the_subscription()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");

        var cancelled = await StripeSystem.PostAsync(http, "/api/v1/subscription/cancel", new { atPeriodEnd = true });
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        await system.ProcessWebhooksUntilAsync(async db => (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).Status == "canceled");

        Assert.True(cancelled.GetProperty("cancelAtPeriodEnd").GetBoolean());
        Assert.Equal("active", cancelled.GetProperty("status").GetString());
        var blocked = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "hi" }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.PaymentRequired, blocked.StatusCode);
    }

    [Fact]
    public async Task Cancel_now_ends_the_subscription_at_once()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");

        var cancelled = await StripeSystem.PostAsync(http, "/api/v1/subscription/cancel", new { atPeriodEnd = false });
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AnyAsync(e => e.Type == "customer.subscription.deleted" && e.Status != "received"));

        Assert.Equal("canceled", cancelled.GetProperty("status").GetString());
        await using var db = system.CreateDbContext();
        Assert.Equal("canceled", (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task A_failed_payment_makes_the_subscription_past_due_within_grace_and_payment_recovers_it()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await using (var db = system.CreateDbContext())
        {
            var customer = (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).StripeCustomerId;
            (await system.Emulator.PostAsJsonAsync($"/_emulator/customers/{customer}/fail_payments", new { fail = true }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        await system.ProcessWebhooksUntilAsync(async db => (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).PaymentFailedAt != null);
        var pastDue = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var inGrace = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "still served" }, TestContext.Current.CancellationToken);

        string openInvoice;
        await using (var db = system.CreateDbContext())
        {
            openInvoice = (await db.Invoices.Where(i => i.TenantId == tenantId && i.Status == "open").SingleAsync(TestContext.Current.CancellationToken)).StripeInvoiceId;
            var customer = (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).StripeCustomerId;
            (await system.Emulator.PostAsJsonAsync($"/_emulator/customers/{customer}/fail_payments", new { fail = false }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        await system.Stripe.V1.Invoices.PayAsync(openInvoice, cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).PaymentFailedAt == null);

        Assert.Equal("past_due", pastDue.GetProperty("status").GetString());
        Assert.Equal(pastDue.GetProperty("paymentFailedAt").GetDateTimeOffset().AddDays(7), pastDue.GetProperty("graceEndsAt").GetDateTimeOffset());
        Assert.Equal(System.Net.HttpStatusCode.OK, inGrace.StatusCode);
        Assert.Contains(inGrace.Headers.GetValues("X-Quota-Warning"), w => w.Contains("payment", StringComparison.OrdinalIgnoreCase));
        await using var check = system.CreateDbContext();
        Assert.Equal("paid", (await check.Invoices.SingleAsync(i => i.StripeInvoiceId == openInvoice, TestContext.Current.CancellationToken)).Status);
    }
}
