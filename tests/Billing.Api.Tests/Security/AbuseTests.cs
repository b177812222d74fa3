using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Security;

/// <summary>
/// Hundreds of hostile requests across the public endpoints (<see cref="HostileInputs"/>): each is refused with a 4xx
/// RFC 9457 problem, none of them stores anything, and a well-behaved tenant sending usage meanwhile is served as usual.
/// </summary>
public sealed class AbuseTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string WebhookSecret = "whsec_abuse_test_0123456789";

    /// <summary>What a hostile request could have changed, counted over the whole database.</summary>
    private sealed record Stored(int UsageEvents, int WebhookEvents, int ApiKeys, int Tenants, int AuditEntries, string Hostile, string Victim);

    private async Task<Stored> StoredAsync(Guid hostile, Guid victim)
    {
        await using var db = api.CreateDbContext();
        string Describe(Tenant t) => $"{t.Plan} {t.Status} overrides={t.Overrides} url={t.AlertWebhookUrl} limit={t.SpendLimitCents} secret={t.AlertWebhookSecret}";
        return new Stored(
            await db.UsageEvents.CountAsync(e => e.TenantId == hostile || e.TenantId == victim),
            await db.WebhookEvents.CountAsync(),
            await db.ApiKeys.CountAsync(),
            await db.Tenants.CountAsync(),
            await db.AuditLog.CountAsync(),
            Describe(await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == hostile)) + " " + (await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == hostile)).Plan,
            Describe(await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == victim)));
    }

    [Fact]
    public async Task Hostile_requests_each_get_a_4xx_problem_store_nothing_and_leave_a_well_behaved_tenant_served()
    {
        await using var server = api.Replica(("Stripe:WebhookSecret", WebhookSecret));
        var (hostileId, hostileKey) = await api.CreateTenantWithKeyAsync("standard", "hostile");
        var (victimId, _) = await api.CreateTenantWithKeyAsync("standard", "victim");
        var (wellBehavedId, wellBehavedKey) = await api.CreateTenantWithKeyAsync("standard", "well-behaved");
        var invoiceId = Guid.NewGuid();
        await using (var db = api.CreateDbContext())
        {
            db.Invoices.Add(new Invoice
            {
                Id = invoiceId, TenantId = victimId, StripeInvoiceId = $"in_{invoiceId:N}", Status = "paid", Currency = "usd",
                PeriodStart = DateTimeOffset.UtcNow.AddMonths(-1), PeriodEnd = DateTimeOffset.UtcNow, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var targets = new HostileInputs.Targets(hostileKey, victimId, invoiceId, WebhookSecret);
        var cases = HostileInputs.All();
        var before = await StoredAsync(hostileId, victimId);

        // The well-behaved tenant sends usage and asks for entitlements for as long as the attack lasts.
        using var stop = new CancellationTokenSource();
        var served = new ConcurrentBag<HttpStatusCode>();
        var sent = 0;
        var wellBehaved = Task.Run(async () =>
        {
            using var http = server.ClientWithKey(wellBehavedKey);
            for (var round = 0; !stop.IsCancellationRequested || round < 5; round++)
            {
                var events = Enumerable.Range(0, 10).Select(i => new { id = $"good-{round}-{i}", metric = "llm_tokens", value = 100 }).ToArray();
                served.Add((await http.PostAsJsonAsync("/api/v1/usage/events", new { events }, CancellationToken.None)).StatusCode);
                sent += events.Length;
                served.Add((await http.PostAsJsonAsync("/api/v1/entitlements/check", new { metric = "llm_tokens", amount = 1 }, CancellationToken.None)).StatusCode);
            }
        }, TestContext.Current.CancellationToken);

        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (hostile, ct) =>
        {
            using var http = server.CreateClient();
            using var request = hostile.Build(targets);
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            if (status is < 400 or > 499)
            {
                failures.Add($"{hostile.Name}: {status} {Shorten(body)}");
            }
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || !IsProblem(body, status))
            {
                failures.Add($"{hostile.Name}: {status} without a problem body ({response.Content.Headers.ContentType}) {Shorten(body)}");
            }
        });
        await stop.CancelAsync();
        await wellBehaved;

        Assert.True(cases.Count >= 200, $"Only {cases.Count} hostile inputs.");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} hostile requests were not refused with a 4xx problem:\n{string.Join('\n', failures.Order())}");
        Assert.Equal(before, await StoredAsync(hostileId, victimId));
        Assert.All(served, status => Assert.Equal(HttpStatusCode.OK, status));
        await using var check = api.CreateDbContext();
        Assert.Equal(sent * 100, await check.UsageEvents.Where(e => e.TenantId == wellBehavedId).SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }

    private static bool IsProblem(string body, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("status", out var s) && s.GetInt32() == status
                && document.RootElement.TryGetProperty("title", out var title) && title.GetString()?.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
