using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Billing.Api.Tests.Stripe;

/// <summary>The payment grace runs from the first failed payment until nothing is left unpaid.</summary>
public sealed class PaymentGraceTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task Paying_one_of_two_failed_invoices_keeps_the_grace_and_voiding_the_other_ends_it()
    {
        var (tenantId, _) = await system.PaidTenantAsync("standard");
        string customer;
        await using (var db = system.CreateDbContext())
        {
            customer = (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).StripeCustomerId!;
        }

        (await system.Emulator.PostAsJsonAsync($"/_emulator/customers/{customer}/fail_payments", new { fail = true }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "open") == 1);
        await system.AdvanceClockAsync(TimeSpan.FromDays(31));
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "open") == 2);
        var failedAt = await PaymentFailedAtAsync(tenantId);
        var open = (await system.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customer, Status = "open" },
            cancellationToken: TestContext.Current.CancellationToken)).Data.OrderBy(i => i.Created).ToList();

        (await system.Emulator.PostAsJsonAsync($"/_emulator/customers/{customer}/fail_payments", new { fail = false }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await system.Stripe.V1.Invoices.PayAsync(open[0].Id, cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.StripeInvoiceId == open[0].Id && i.Status == "paid"));
        var afterFirst = await PaymentFailedAtAsync(tenantId);
        await system.Stripe.V1.Invoices.VoidInvoiceAsync(open[1].Id, cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.StripeInvoiceId == open[1].Id && i.Status == "void"));

        Assert.Equal(2, open.Count);
        Assert.NotNull(failedAt);
        Assert.Equal(failedAt, afterFirst);
        Assert.Null(await PaymentFailedAtAsync(tenantId));
    }

    private async Task<DateTimeOffset?> PaymentFailedAtAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        return (await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).PaymentFailedAt;
    }
}
