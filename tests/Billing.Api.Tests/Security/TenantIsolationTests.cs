using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Security;

/// <summary>
/// Tenant A's key against every endpoint of the OpenAPI document that takes an id, with tenant B's ids:
/// each answers 403 or 404 and B's data does not change. New endpoints are covered as soon as they are
/// mapped; one with a path parameter this test cannot fill fails it until the test learns the id.
/// </summary>
public sealed class TenantIsolationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Snapshot(string Name, string Plan, string Status, string? Overrides, int ActiveKeys, int Invoices, string SubscriptionPlan, string SubscriptionStatus);

    private async Task<Snapshot> SnapshotAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == tenantId);
        return new Snapshot(tenant.Name, tenant.Plan, tenant.Status, tenant.Overrides,
            await db.ApiKeys.CountAsync(k => k.TenantId == tenantId && k.RevokedAt == null),
            await db.Invoices.CountAsync(i => i.TenantId == tenantId),
            subscription.Plan, subscription.Status);
    }

    [Fact]
    public async Task A_tenant_key_never_reaches_another_tenants_resources()
    {
        var (_, keyA) = await api.CreateTenantWithKeyAsync("standard", "Tenant A");
        var (tenantB, bearerB) = await api.CreateTenantWithKeyAsync("standard", "Tenant B");
        Guid keyB, invoiceB;
        await using (var db = api.CreateDbContext())
        {
            keyB = (await db.ApiKeys.FirstAsync(k => k.TenantId == tenantB, TestContext.Current.CancellationToken)).Id;
            var invoice = new Invoice
            {
                Id = Guid.NewGuid(), TenantId = tenantB, StripeInvoiceId = $"in_{Guid.NewGuid():N}", Status = "paid", Currency = "usd",
                PeriodStart = DateTimeOffset.UtcNow.AddMonths(-1), PeriodEnd = DateTimeOffset.UtcNow, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.Invoices.Add(invoice);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            invoiceB = invoice.Id;
        }

        // B's ids by the path segment that names the resource.
        // Stripe's inbox is the operator's alone (its ids are numbers, and belong to no tenant).
        var idsOfB = new Dictionary<string, string>
        {
            ["tenants"] = tenantB.ToString(), ["api-keys"] = keyB.ToString(), ["invoices"] = invoiceB.ToString(), ["events"] = "1",
            ["leases"] = await GatewayLeaseOfAsync(bearerB),
        };
        using var http = api.CreateClient(keyA);
        using var anonymous = api.CreateClient(bearer: null);
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var before = await SnapshotAsync(tenantB);

        var checkedCalls = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject().Where(p => p.Name.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var url = Fill(path.Name, idsOfB);
                using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), url);
                if (operation.Name is "post" or "put" or "patch")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
                    $"{operation.Name.ToUpperInvariant()} {url} answered {(int)response.StatusCode} to another tenant's key");
                checkedCalls.Add($"{operation.Name} {path.Name}");
            }
        }

        Assert.Equal(before, await SnapshotAsync(tenantB));
        Assert.True(checkedCalls.Count >= 6, string.Join(", ", checkedCalls));
    }

    /// <summary>A gateway lease the tenant of <paramref name="key"/> holds (granted by a replica with the gateway's routes).</summary>
    private async Task<string> GatewayLeaseOfAsync(string key)
    {
        await using var replica = Gateway.GatewayReplica.Start(api);
        using var http = replica.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var granted = await http.PostAsJsonAsync("/api/v1/gateway/leases", new { route = "POST /v1/chat/*", units = 1 }, TestContext.Current.CancellationToken);
        return (await granted.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("leaseId").GetString()!;
    }

    private static string Fill(string template, IReadOnlyDictionary<string, string> ids)
    {
        var segments = template.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].StartsWith('{'))
            {
                var resource = segments[i - 1];
                Assert.True(ids.TryGetValue(resource, out var id), $"No id of tenant B for '{segments[i]}' after '/{resource}/' in {template}: teach the test.");
                segments[i] = id!;
            }
        }

        return string.Join('/', segments);
    }
}
