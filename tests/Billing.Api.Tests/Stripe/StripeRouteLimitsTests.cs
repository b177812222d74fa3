using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// The tenant routes that call Stripe (invoice preview, plan change, cancel) cannot spend the shared Stripe account:
/// a per-tenant request budget, a short cache for the preview, and plan changes that run one at a time per tenant.
/// </summary>
public sealed class StripeRouteLimitsTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    /// <summary>Counts the API's requests to Stripe by method and path.</summary>
    private sealed class StripeCalls : DelegatingHandler
    {
        private readonly ConcurrentDictionary<string, int> _calls = new();

        public int this[string methodAndPath] => _calls.GetValueOrDefault(methodAndPath);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _calls.AddOrUpdate($"{request.Method} {request.RequestUri!.AbsolutePath}", 1, (_, n) => n + 1);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> Replica(StripeCalls calls, params (string Key, string Value)[] settings) =>
        system.Api.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }

            b.ConfigureServices(services => services.AddHttpClient("stripe").AddHttpMessageHandler(() => calls));
        });

    [Fact]
    public async Task Past_its_budget_a_tenant_gets_a_429_and_stripe_is_not_called()
    {
        var calls = new StripeCalls();
        await using var api = Replica(calls, ("StripeRoutes:Burst", "3"), ("StripeRoutes:RequestsPerMinute", "1"), ("StripeRoutes:PreviewCacheSeconds", "0"));
        var (paidId, paid) = await system.PaidTenantAsync("standard");
        var (_, other) = await system.PaidTenantAsync("standard");
        using var http = api.CreateClient();
        http.DefaultRequestHeaders.Authorization = paid.DefaultRequestHeaders.Authorization;
        using var otherHttp = api.CreateClient();
        otherHttp.DefaultRequestHeaders.Authorization = other.DefaultRequestHeaders.Authorization;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await http.GetAsync("/api/v1/invoices/preview", TestContext.Current.CancellationToken)).StatusCode);
        }

        var previewsBefore = calls["POST /v1/invoices/create_preview"];
        var refused = await http.GetAsync("/api/v1/invoices/preview", TestContext.Current.CancellationToken);
        var refusedChange = await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "enterprise" }, TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var otherTenant = await otherHttp.GetAsync("/api/v1/invoices/preview", TestContext.Current.CancellationToken);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(3, previewsBefore);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/rate-limited", problem.GetProperty("type").GetString());
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedChange.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherTenant.StatusCode);
        Assert.Equal(4, calls["POST /v1/invoices/create_preview"]);
        Assert.Equal(0, calls["POST /v1/subscriptions"] + calls["POST /v1/subscription_items"]);
        await using var db = system.CreateDbContext();
        Assert.Equal("standard", db.Subscriptions.Single(s => s.TenantId == paidId).Plan);
    }

    [Fact]
    public async Task The_preview_is_cached_per_tenant_until_a_plan_change()
    {
        var calls = new StripeCalls();
        await using var api = Replica(calls);
        var (_, paid) = await system.PaidTenantAsync("standard");
        using var http = api.CreateClient();
        http.DefaultRequestHeaders.Authorization = paid.DefaultRequestHeaders.Authorization;

        var first = await http.GetFromJsonAsync<JsonElement>("/api/v1/invoices/preview", TestContext.Current.CancellationToken);
        var second = await http.GetFromJsonAsync<JsonElement>("/api/v1/invoices/preview", TestContext.Current.CancellationToken);
        var afterFirstTwo = calls["POST /v1/invoices/create_preview"];
        (await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "enterprise" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var afterChange = await http.GetFromJsonAsync<JsonElement>("/api/v1/invoices/preview", TestContext.Current.CancellationToken);

        Assert.Equal(1, afterFirstTwo);
        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(2, calls["POST /v1/invoices/create_preview"]);
        Assert.True(first.GetProperty("totalCents").GetInt64() != afterChange.GetProperty("totalCents").GetInt64(), $"{first} / {afterChange}");
    }

    [Fact]
    public async Task Concurrent_plan_changes_of_one_tenant_run_one_after_the_other()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        await system.CardOnFileAsync(tenantId);
        using var http = system.Client(key);
        // Stripe answers slowly: unserialized, both changes find no subscription and race to create one (with the same
        // idempotency key and different prices, which Stripe refuses).
        (await system.Emulator.PostAsJsonAsync("/_emulator/faults", new { path = "/v1/subscriptions", status = 0, delayMs = 1500, count = 2 },
            TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var changes = await Task.WhenAll(new[] { "standard", "enterprise" }.Select(plan =>
            http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan }, TestContext.Current.CancellationToken)));

        await system.Emulator.DeleteAsync("/_emulator/faults", TestContext.Current.CancellationToken);
        Assert.All(changes, c => Assert.Equal(HttpStatusCode.OK, c.StatusCode));
        await using var db = system.CreateDbContext();
        var customer = db.Tenants.Single(t => t.Id == tenantId).StripeCustomerId;
        var atStripe = await system.Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer, Status = "all" },
            cancellationToken: TestContext.Current.CancellationToken);
        var local = db.Subscriptions.Single(s => s.TenantId == tenantId);
        var subscription = Assert.Single(atStripe.Data);
        Assert.Equal(subscription.Id, local.StripeSubscriptionId);
        Assert.Contains(local.Plan, new[] { "standard", "enterprise" });
        // Whichever ran second left its plan here and its base price at Stripe (a downgrade swaps the base price at once
        // and the plan at the period's end).
        var basePrice = (await system.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [$"billing_{local.PendingPlan ?? local.Plan}_base"] },
            cancellationToken: TestContext.Current.CancellationToken)).Data.Single();
        Assert.Contains(subscription.Items.Data, i => i.Price.Id == basePrice.Id);
    }
}
