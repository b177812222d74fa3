using System.Net.Http.Json;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Stripe;
using Stripe.Billing;
using Stripe.TestHelpers;

namespace Billing.Api.Tests.Stripe;

/// <summary>A month closed with a Stripe test clock: the invoice reaches the local store through webhooks, lines and totals to the cent.</summary>
public sealed class TestClockInvoiceTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task Closing_a_month_on_a_test_clock_stores_the_invoice_with_its_lines_and_totals()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        var start = DateTimeOffset.UtcNow;
        var clock = await system.Stripe.V1.TestHelpers.TestClocks.CreateAsync(new TestClockCreateOptions { FrozenTime = start.UtcDateTime, Name = "month close" },
            cancellationToken: TestContext.Current.CancellationToken);
        var customer = await system.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "clocked", TestClock = clock.Id,
            Metadata = new Dictionary<string, string> { ["tenant_id"] = tenantId.ToString() } }, cancellationToken: TestContext.Current.CancellationToken);
        await using (var db = system.CreateDbContext())
        {
            await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(t => t.SetProperty(x => x.StripeCustomerId, customer.Id), TestContext.Current.CancellationToken);
        }

        await system.CardOnFileAsync(customer.Id);
        using var http = system.Client(key);
        (await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "standard" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        // Usage as the submission job sends it: 10,002,500 tokens (2,500 over, 0.5 ¢ → 1 ¢) and 10,250 agent executions (250 over at 2 ¢ = 500 ¢).
        foreach (var (metric, value) in new[] { ("llm_tokens", 10_002_500L), ("agent_executions", 10_250L) })
        {
            await system.Stripe.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
            {
                EventName = metric,
                Identifier = $"{tenantId:N}-{metric}",
                Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer.Id, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Timestamp = start.AddMinutes(1).UtcDateTime,
            }, cancellationToken: TestContext.Current.CancellationToken);
        }

        var preview = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/invoices/preview", TestContext.Current.CancellationToken);

        await system.Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new TestClockAdvanceOptions { FrozenTime = start.AddMonths(1).AddHours(1).UtcDateTime },
            cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "paid") == 2);
        await system.ProcessWebhooksUntilAsync(async db => await db.WebhookEvents.AllAsync(e => e.Status != "received"));

        await using var check = system.CreateDbContext();
        var renewal = await check.Invoices.Include(i => i.Lines).Where(i => i.TenantId == tenantId).OrderByDescending(i => i.PeriodEnd).FirstAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, Line(renewal, "llm_tokens").AmountCents);
        Assert.Equal(10_002_500, Line(renewal, "llm_tokens").Quantity);
        Assert.Equal(500, Line(renewal, "agent_executions").AmountCents);
        Assert.Equal(0, Line(renewal, "api_calls").AmountCents);
        Assert.Contains(renewal.Lines, l => l.Metric is null && l.AmountCents == 9900);
        Assert.Equal(9900 + 1 + 500, renewal.TotalCents);
        Assert.Equal(renewal.TotalCents, renewal.AmountPaidCents);
        Assert.Equal(2, await check.Invoices.CountAsync(i => i.TenantId == tenantId, TestContext.Current.CancellationToken));
        Assert.NotNull(renewal.Number);
        Assert.StartsWith("http", renewal.HostedInvoiceUrl);

        // Before the close, the preview priced the same usage; after it, the API serves the stored invoice with its lines.
        Assert.Equal(renewal.TotalCents, preview.GetProperty("totalCents").GetInt64());
        var detail = await http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/invoices/{renewal.Id}", TestContext.Current.CancellationToken);
        Assert.Equal("paid", detail.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(renewal.Lines.Count, detail.GetProperty("lines").GetArrayLength());
        Assert.Contains(detail.GetProperty("lines").EnumerateArray(), l => l.GetProperty("metric").GetString() == "agent_executions" && l.GetProperty("amountCents").GetInt64() == 500);
    }

    private static InvoiceLine Line(Billing.Infrastructure.Data.Entities.Invoice invoice, string metric) =>
        Assert.Single(invoice.Lines, l => l.Metric == metric);
}
