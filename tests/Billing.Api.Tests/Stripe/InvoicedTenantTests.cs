using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// The operator bills a tenant by invoice (<c>send_invoice</c>): it chooses a paid plan without a card, its invoices stay
/// open until their due date, then its payment grace starts; it pays from the invoice's page.
/// </summary>
public sealed class InvoicedTenantTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task An_invoiced_tenant_subscribes_without_a_card_and_pays_from_the_invoice_page()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);
        using var http = system.Client(key);

        var set = await operatorHttp.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/collection", new { method = "send_invoice", daysUntilDue = 14 }, TestContext.Current.CancellationToken);
        var chosen = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });
        var checkout = await http.PostAsJsonAsync("/api/v1/subscription/checkout", new { plan = "enterprise" }, TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.TenantId == tenantId && i.Status == "open" && i.DueDate != null));
        var owing = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var invoiceUrl = owing.GetProperty("outstanding").GetProperty("hostedInvoiceUrl").GetString()!;

        var (status, _, _) = await system.SubmitCardAsync(invoiceUrl + "/pay", "4242 4242 4242 4242");
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.TenantId == tenantId && i.Status == "paid"));
        var paid = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(("standard", "active", "send_invoice", 14), (chosen.GetProperty("plan").GetString(), chosen.GetProperty("status").GetString(),
            chosen.GetProperty("collectionMethod").GetString(), chosen.GetProperty("daysUntilDue").GetInt32()));
        Assert.Equal(HttpStatusCode.Conflict, checkout.StatusCode);
        Assert.EndsWith("/invoiced-tenant", (await checkout.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        var outstanding = owing.GetProperty("outstanding");
        Assert.Equal((9_900L, 0), (outstanding.GetProperty("amountDueCents").GetInt64(), outstanding.GetProperty("attemptCount").GetInt32()));
        Assert.Equal(owing.GetProperty("currentPeriodStart").GetDateTimeOffset().AddDays(14), outstanding.GetProperty("dueDate").GetDateTimeOffset());
        Assert.False(owing.GetProperty("paymentMethodRequired").GetBoolean());
        Assert.Equal(303, status);
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("outstanding").ValueKind);
        Assert.Equal(JsonValueKind.Null, paid.GetProperty("paymentMethod").ValueKind);
        var stripe = await system.Stripe.V1.Subscriptions.ListAsync(new global::Stripe.SubscriptionListOptions { Customer = await system.CustomerOfAsync(tenantId) },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(("send_invoice", 14L), (stripe.Data.Single().CollectionMethod, stripe.Data.Single().DaysUntilDue));
    }

    [Fact]
    public async Task An_invoice_past_its_due_date_starts_the_payment_grace()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);
        using var http = system.Client(key);
        (await operatorHttp.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/collection", new { method = "send_invoice", daysUntilDue = 3 }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();
        await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });

        await system.AdvanceClockAsync(TimeSpan.FromDays(4));
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "past_due" && s.PaymentFailedAt != null));
        var overdue = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);

        Assert.Equal(overdue.GetProperty("outstanding").GetProperty("dueDate").GetDateTimeOffset(), overdue.GetProperty("paymentFailedAt").GetDateTimeOffset());
        Assert.Equal(overdue.GetProperty("paymentFailedAt").GetDateTimeOffset().AddDays(7), overdue.GetProperty("graceEndsAt").GetDateTimeOffset());
        var actions = await system.AuditActionsAsync(tenantId);
        Assert.Contains("payment.overdue", actions);
        Assert.Contains("subscription.collection_changed", actions);
    }

    [Theory]
    [InlineData("send_invoice", null, "daysUntilDue")]
    [InlineData("send_invoice", 0, "daysUntilDue")]
    [InlineData("send_invoice", 366, "daysUntilDue")]
    [InlineData("charge_automatically", 30, "daysUntilDue")]
    [InlineData("cheque", null, "method")]
    public async Task Invalid_collection_settings_are_refused_and_change_nothing(string method, int? days, string field)
    {
        var (tenantId, _) = await system.CreateTenantAsync("free");
        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);

        var response = await operatorHttp.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/collection", new { method, daysUntilDue = days }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var current = await operatorHttp.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}/collection", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal("charge_automatically", current.GetProperty("method").GetString());
    }

    [Fact]
    public async Task Only_the_operator_chooses_how_a_tenant_pays()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        using var http = system.Client(key);

        var response = await http.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/collection", new { method = "send_invoice", daysUntilDue = 30 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await using var db = system.CreateDbContext();
        Assert.Equal("charge_automatically", (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).CollectionMethod);
    }
}
