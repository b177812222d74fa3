using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Enforcement;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// A paid plan needs a card: without one, change-plan says so and nothing changes; Checkout collects it on Stripe's
/// page, and the tenant is on the plan once <c>checkout.session.completed</c> has landed. The page is the emulator's,
/// its form posted over HTTP as a browser posts it.
/// </summary>
public sealed class CheckoutFlowTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task A_paid_plan_without_a_card_is_refused_with_a_problem_and_changes_nothing()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        using var http = system.Client(key);

        var refused = await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "standard" }, TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var subscription = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/payment-method-required", problem.GetProperty("type").GetString());
        Assert.Contains("/api/v1/subscription/checkout", problem.GetProperty("detail").GetString());
        Assert.Equal(("free", "active", true), (subscription.GetProperty("plan").GetString(), subscription.GetProperty("status").GetString(),
            subscription.GetProperty("paymentMethodRequired").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, subscription.GetProperty("paymentMethod").ValueKind);
        Assert.Empty(await StripeSubscriptionsOfAsync(tenantId));
    }

    [Fact]
    public async Task Completing_checkout_with_a_test_card_puts_the_tenant_on_the_plan_once_the_webhook_lands()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        using var http = system.Client(key);

        var checkout = await StripeSystem.PostAsync(http, "/api/v1/subscription/checkout", new { plan = "standard" });
        var url = checkout.GetProperty("url").GetString()!;
        var sessionId = checkout.GetProperty("sessionId").GetString()!;
        var before = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var (status, location, _) = await system.SubmitCardAsync(url, "4242 4242 4242 4242");
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Plan == "standard" && s.PaymentMethodId != null)
            && await db.AuditLog.AnyAsync(a => a.TenantId == tenantId && a.Action == "checkout.completed"));
        var after = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var served = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "on standard" }, TestContext.Current.CancellationToken);

        Assert.StartsWith(system.EmulatorUrl + "/checkout/cs_test_", url);
        Assert.True(checkout.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
        Assert.Equal("free", before.GetProperty("plan").GetString());
        Assert.Equal(303, status);
        Assert.Equal($"{StripeSystem.ApiOnKestrel.DashboardUrl}/?checkout=complete&plan=standard&session_id={sessionId}", location);
        Assert.Equal(("standard", "active", false), (after.GetProperty("plan").GetString(), after.GetProperty("status").GetString(),
            after.GetProperty("paymentMethodRequired").GetBoolean()));
        var card = after.GetProperty("paymentMethod");
        Assert.Equal(("visa", "4242", 12, 2040), (card.GetProperty("brand").GetString(), card.GetProperty("last4").GetString(),
            card.GetProperty("expMonth").GetInt32(), card.GetProperty("expYear").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("1000000", MeteredCalls.QuotaLimit(served, "api_calls"));
        var session = await system.Stripe.V1.Checkout.Sessions.GetAsync(sessionId, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((tenantId.ToString(), await system.CustomerOfAsync(tenantId)), (session.ClientReferenceId, session.CustomerId));
        Assert.Equal(["checkout.completed", "checkout.started", "payment_method.changed"], (await system.AuditActionsAsync(tenantId))
            .Where(a => a.StartsWith("checkout.", StringComparison.Ordinal) || a.StartsWith("payment_method.", StringComparison.Ordinal)).Order());
        await using var db = system.CreateDbContext();
        Assert.Equal("paid", (await db.Invoices.SingleAsync(i => i.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task A_declined_card_or_an_expired_session_leaves_the_tenant_on_free()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        using var http = system.Client(key);

        var checkout = await StripeSystem.PostAsync(http, "/api/v1/subscription/checkout", new { plan = "enterprise" });
        var sessionId = checkout.GetProperty("sessionId").GetString()!;
        var (status, location, html) = await system.SubmitCardAsync(checkout.GetProperty("url").GetString()!, "4000 0000 0000 0002");
        await system.Stripe.V1.Checkout.Sessions.ExpireAsync(sessionId, cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.AuditLog.AnyAsync(a => a.TenantId == tenantId && a.Action == "checkout.expired"));
        var after = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);

        Assert.Equal(402, status);
        Assert.Null(location);
        Assert.Contains("Your card was declined.", html);
        Assert.Equal(("free", JsonValueKind.Null), (after.GetProperty("plan").GetString(), after.GetProperty("paymentMethod").ValueKind));
        Assert.Empty(await StripeSubscriptionsOfAsync(tenantId));
    }

    [Fact]
    public async Task A_card_declined_when_choosing_a_plan_is_a_problem_and_creates_nothing()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        await system.CardOnFileAsync(tenantId, "pm_card_chargeCustomerFail");
        using var http = system.Client(key);

        var refused = await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "standard" }, TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.EndsWith("/payment-declined", problem.GetProperty("type").GetString());
        Assert.Empty(await StripeSubscriptionsOfAsync(tenantId));
        await using var db = system.CreateDbContext();
        var local = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
        Assert.Equal(("free", null), (local.Plan, local.StripeSubscriptionId));
    }

    [Fact]
    public async Task Checkout_is_for_a_paid_plan_and_for_tenants_without_a_live_subscription()
    {
        var (_, http) = await system.PaidTenantAsync("standard");

        var free = await http.PostAsJsonAsync("/api/v1/subscription/checkout", new { plan = "free" }, TestContext.Current.CancellationToken);
        var subscribed = await http.PostAsJsonAsync("/api/v1/subscription/checkout", new { plan = "enterprise" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, free.StatusCode);
        Assert.True((await free.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("errors").TryGetProperty("plan", out _));
        Assert.Equal(HttpStatusCode.Conflict, subscribed.StatusCode);
        Assert.EndsWith("/already-subscribed", (await subscribed.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_tenant_whose_subscription_was_cancelled_subscribes_again_through_checkout()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await StripeSystem.PostAsync(http, "/api/v1/subscription/cancel", new { atPeriodEnd = false });
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "canceled"));
        string oldId;
        await using (var db = system.CreateDbContext())
        {
            oldId = (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).StripeSubscriptionId!;
        }

        var checkout = await StripeSystem.PostAsync(http, "/api/v1/subscription/checkout", new { plan = "enterprise" });
        await system.SubmitCardAsync(checkout.GetProperty("url").GetString()!, "5555 5555 5555 4444");
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Plan == "enterprise" && s.Status == "active"));
        var served = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "back" }, TestContext.Current.CancellationToken);

        await using var check = system.CreateDbContext();
        var local = await check.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
        Assert.NotEqual(oldId, local.StripeSubscriptionId);
        Assert.Equal(("mastercard", "4444"), (local.PaymentMethodBrand, local.PaymentMethodLast4));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("20000000", MeteredCalls.QuotaLimit(served, "api_calls"));
    }

    [Fact]
    public async Task A_tenant_only_ever_gets_checkout_and_portal_links_for_its_own_customer()
    {
        var (tenantA, keyA) = await system.CreateTenantAsync("free");
        var (tenantB, _) = await system.CreateTenantAsync("free");
        var customerB = await system.CardOnFileAsync(tenantB);
        using var http = system.Client(keyA);
        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);

        // Whatever names tenant B in the request, the caller's key decides whose customer the link is for.
        var checkout = await StripeSystem.PostAsync(http, $"/api/v1/subscription/checkout?tenantId={tenantB}", new { plan = "standard", tenantId = tenantB });
        var portal = await StripeSystem.PostAsync(http, $"/api/v1/billing/portal?tenantId={tenantB}", new { tenantId = tenantB, customer = customerB });
        var asOperator = await operatorHttp.PostAsJsonAsync("/api/v1/billing/portal", new { tenantId = tenantB }, TestContext.Current.CancellationToken);

        var customerA = await system.CustomerOfAsync(tenantA);
        var session = await system.Stripe.V1.Checkout.Sessions.GetAsync(checkout.GetProperty("sessionId").GetString(), cancellationToken: TestContext.Current.CancellationToken);
        var portalPage = await new HttpClient().GetStringAsync(portal.GetProperty("url").GetString(), TestContext.Current.CancellationToken);
        Assert.Equal((customerA, tenantA.ToString()), (session.CustomerId, session.ClientReferenceId));
        Assert.NotEqual(customerB, customerA);
        Assert.Contains("No payment method on file.", portalPage);
        Assert.DoesNotContain("4242", portalPage);
        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode);
    }

    private async Task<IReadOnlyList<Subscription>> StripeSubscriptionsOfAsync(Guid tenantId)
    {
        var customer = await system.CustomerOfAsync(tenantId);
        return (await system.Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer, Status = "all" },
            cancellationToken: TestContext.Current.CancellationToken)).Data;
    }
}
