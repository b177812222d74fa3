using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PlanTier = Billing.Domain.Catalog.PlanTier;
using Billing.Api.Tests.Enforcement;
using Billing.Infrastructure.Stripe;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// An emulator retrying failed renewals 2, 4 and 10 days after the first failure, so Standard's 7-day payment grace ends
/// between two retries: the tenant is served on its plan through the grace, on Free after it, and 402 once unpaid.
/// </summary>
public sealed class RetriesPastGraceSystem(DataStoresFixture stores) : StripeSystem(stores, ["--Emulator:PaymentRetryDays", "2,4,10"]);

/// <summary>Failed payments from Stripe's webhooks to enforcement: grace, Free quotas, the portal's card replacement, unpaid, incomplete.</summary>
public sealed class DunningFlowTests(RetriesPastGraceSystem system) : IClassFixture<RetriesPastGraceSystem>
{
    [Fact]
    public async Task A_failed_renewal_keeps_paid_quotas_through_grace_then_free_until_the_card_is_replaced_in_the_portal()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await system.CardOnFileAsync(tenantId, "pm_card_chargeCustomerFail");
        await system.SetClocksAsync((await LocalAsync(tenantId)).CurrentPeriodEnd.AddDays(1));
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.TenantId == tenantId && i.Status == "open" && i.NextPaymentAttempt != null)
            && await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "past_due"));
        var failedAt = (await LocalAsync(tenantId)).PaymentFailedAt!.Value;
        var inGrace = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var servedInGrace = await CallAsync(http);

        await system.SetClocksAsync(failedAt.AddDays(8));
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.TenantId == tenantId && i.Status == "open" && i.AttemptCount == 3));
        var pastGrace = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var servedOnFree = await CallAsync(http);

        var portal = await StripeSystem.PostAsync(http, "/api/v1/billing/portal", new { });
        var portalUrl = portal.GetProperty("url").GetString()!;
        var (status, location, _) = await system.SubmitCardAsync(portalUrl + "/payment_method", "4242 4242 4242 4242");
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "active" && s.PaymentFailedAt == null
            && s.PaymentMethodLast4 == "4242"));
        var recovered = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        var servedAgain = await CallAsync(http);

        Assert.Equal("past_due", inGrace.GetProperty("status").GetString());
        Assert.Equal(failedAt.AddDays(7), inGrace.GetProperty("graceEndsAt").GetDateTimeOffset());
        var owed = inGrace.GetProperty("outstanding");
        Assert.Equal((9_900L, 1, 1), (owed.GetProperty("amountDueCents").GetInt64(), owed.GetProperty("openInvoices").GetInt32(), owed.GetProperty("attemptCount").GetInt32()));
        Assert.Equal(failedAt.AddDays(2), owed.GetProperty("nextPaymentAttempt").GetDateTimeOffset());
        Assert.StartsWith(system.EmulatorUrl + "/invoices/in_", owed.GetProperty("hostedInvoiceUrl").GetString());
        Assert.Equal(("0341", HttpStatusCode.OK, "1000000"), (inGrace.GetProperty("paymentMethod").GetProperty("last4").GetString(), servedInGrace.Status, servedInGrace.ApiCallsLimit));
        Assert.Contains("payment", servedInGrace.Warning, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(failedAt.AddDays(10), pastGrace.GetProperty("outstanding").GetProperty("nextPaymentAttempt").GetDateTimeOffset());
        Assert.Equal((HttpStatusCode.OK, "10000"), (servedOnFree.Status, servedOnFree.ApiCallsLimit));

        Assert.StartsWith($"{system.EmulatorUrl}/billing_portal/", portalUrl);
        Assert.Equal((303, $"{new Uri(portalUrl).AbsolutePath}?updated=1"), (status, location));
        Assert.Equal(JsonValueKind.Null, recovered.GetProperty("outstanding").ValueKind);
        Assert.Equal(JsonValueKind.Null, recovered.GetProperty("graceEndsAt").ValueKind);
        Assert.Equal((HttpStatusCode.OK, "1000000", null), (servedAgain.Status, servedAgain.ApiCallsLimit, servedAgain.Warning));

        var actions = await system.AuditActionsAsync(tenantId);
        Assert.Equal(3, actions.Count(a => a == "payment.failed"));
        Assert.Contains("payment.recovered", actions);
        Assert.Contains("billing_portal.opened", actions);
        Assert.True(actions.Count(a => a == "payment_method.changed") >= 3, string.Join(", ", actions));
        Assert.Equal(["active", "past_due"], await StatusChangesAsync(tenantId));
    }

    [Fact]
    public async Task After_the_last_retry_the_subscription_is_unpaid_and_metered_requests_answer_402()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        await system.CardOnFileAsync(tenantId, "pm_card_chargeCustomerFail");
        await system.SetClocksAsync((await LocalAsync(tenantId)).CurrentPeriodEnd.AddDays(1));
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.PaymentFailedAt != null));
        var failedAt = (await LocalAsync(tenantId)).PaymentFailedAt!.Value;

        await system.SetClocksAsync(failedAt.AddDays(10).AddHours(1));
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "unpaid"));
        var blocked = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "unpaid" }, TestContext.Current.CancellationToken);
        var subscription = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PaymentRequired, blocked.StatusCode);
        Assert.Equal("unpaid", subscription.GetProperty("status").GetString());
        Assert.Equal(4, subscription.GetProperty("outstanding").GetProperty("attemptCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, subscription.GetProperty("outstanding").GetProperty("nextPaymentAttempt").ValueKind);
        Assert.Equal(["past_due", "unpaid"], await StatusChangesAsync(tenantId));
        Assert.Equal(4, (await system.AuditActionsAsync(tenantId)).Count(a => a == "payment.failed"));
    }

    [Fact]
    public async Task An_incomplete_subscription_never_grants_paid_quotas_and_its_expiry_returns_the_tenant_to_free()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        var customer = await system.CardOnFileAsync(tenantId, "pm_card_chargeCustomerFail");
        using var http = system.Client(key);
        await using (var scope = system.Api.Services.CreateAsyncScope())
        {
            // A subscription started in Stripe itself (its dashboard, say), whose first payment fails.
            var prices = await scope.ServiceProvider.GetRequiredService<StripeCatalogIds>().PricesForAsync(PlanTier.Standard, CancellationToken.None);
            await system.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer, Items = [.. prices.Select(p => new SubscriptionItemOptions { Price = p })] },
                cancellationToken: TestContext.Current.CancellationToken);
        }

        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "incomplete"));
        var incomplete = await CallAsync(http);
        var startedAt = (await LocalAsync(tenantId)).CurrentPeriodStart;
        await system.SetClocksAsync(startedAt.AddHours(24));
        await system.ProcessWebhooksUntilAsync(async db => await db.Subscriptions.AnyAsync(s => s.TenantId == tenantId && s.Status == "active" && s.Plan == "free"));
        var expired = await CallAsync(http);

        Assert.Equal((HttpStatusCode.OK, "10000"), (incomplete.Status, incomplete.ApiCallsLimit));
        Assert.Equal((HttpStatusCode.OK, "10000"), (expired.Status, expired.ApiCallsLimit));
        var local = await LocalAsync(tenantId);
        Assert.Null(local.StripeSubscriptionId);
        Assert.Equal(["incomplete", "incomplete_expired"], await StatusChangesAsync(tenantId));
        await using var db = system.CreateDbContext();
        Assert.Equal("void", (await db.Invoices.SingleAsync(i => i.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
    }

    private sealed record Served(HttpStatusCode Status, string? ApiCallsLimit, string? Warning);

    private static async Task<Served> CallAsync(HttpClient http)
    {
        using var response = await MeteredCalls.CompleteAsync(http);
        var warning = response.Headers.TryGetValues("X-Quota-Warning", out var warnings) ? string.Join(" | ", warnings) : null;
        return new Served(response.StatusCode, MeteredCalls.QuotaLimit(response, "api_calls"), warning);
    }

    private async Task<Billing.Infrastructure.Data.Entities.Subscription> LocalAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        return await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
    }

    /// <summary>The <c>to</c> of each <c>subscription.status_changed</c> entry, in alphabetical order.</summary>
    private async Task<List<string>> StatusChangesAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        var details = await db.AuditLog.AsNoTracking().Where(a => a.TenantId == tenantId && a.Action == "subscription.status_changed")
            .Select(a => a.Details!).ToListAsync(TestContext.Current.CancellationToken);
        return details.Select(d => JsonDocument.Parse(d).RootElement.GetProperty("to").GetString()!).Order().ToList();
    }
}
