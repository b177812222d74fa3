using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Stripe;

/// <summary>A tenant whose Stripe subscription was deleted subscribes again: Stripe never revives a canceled subscription, so a new one starts.</summary>
public sealed class ResubscriptionTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_tenant_choosing_a_paid_plan_gets_a_new_active_stripe_subscription(bool atPeriodEnd)
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await StripeSystem.PostAsync(http, "/api/v1/subscription/cancel", new { atPeriodEnd });
        if (atPeriodEnd)
        {
            await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        }

        await system.ProcessWebhooksUntilAsync(async db => (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId)).Status == "canceled"
            && await db.WebhookEvents.AnyAsync(e => e.Type == "customer.subscription.deleted" && e.Status != "received"));
        string oldId;
        await using (var db = system.CreateDbContext())
        {
            oldId = (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).StripeSubscriptionId!;
        }

        var blocked = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "cancelled" }, TestContext.Current.CancellationToken);
        var again = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });
        // The first subscription's invoice and the new one's, both the full base fee.
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "paid" && i.TotalCents == 9_900) == 2);
        var served = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "subscribed again" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PaymentRequired, blocked.StatusCode);
        Assert.Equal(("standard", "active", false), (again.GetProperty("plan").GetString(), again.GetProperty("status").GetString(), again.GetProperty("cancelAtPeriodEnd").GetBoolean()));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await using var check = system.CreateDbContext();
        var local = await check.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
        Assert.NotEqual(oldId, local.StripeSubscriptionId);
        Assert.Equal(("standard", "active"), (local.Plan, local.Status));
        var stripeNew = await system.Stripe.V1.Subscriptions.GetAsync(local.StripeSubscriptionId, cancellationToken: TestContext.Current.CancellationToken);
        var stripeOld = await system.Stripe.V1.Subscriptions.GetAsync(oldId, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(("active", "canceled"), (stripeNew.Status, stripeOld.Status));
    }
}
