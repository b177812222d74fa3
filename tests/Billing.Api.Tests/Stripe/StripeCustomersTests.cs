using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Billing.Api.Tests.Stripe;

public sealed class StripeCustomersTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task Concurrent_first_needs_create_one_customer_with_the_tenant_in_its_metadata()
    {
        var (tenantId, _) = await system.CreateTenantAsync("free");

        // As the tenant's first plan change asks: in its scope.
        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var tenant = TenantScope.Enter(tenantId);
            await using var scope = system.Api.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<StripeCustomers>().EnsureAsync(tenantId, TestContext.Current.CancellationToken);
        }));

        Assert.Single(ids.Distinct());
        var customers = new List<Customer>();
        await foreach (var customer in system.Stripe.V1.Customers.ListAutoPagingAsync(new CustomerListOptions { Limit = 100 }, cancellationToken: TestContext.Current.CancellationToken))
        {
            customers.Add(customer);
        }

        var mine = Assert.Single(customers, c => c.Metadata.GetValueOrDefault("tenant_id") == tenantId.ToString());
        Assert.Equal(ids[0], mine.Id);
        await using var db = system.CreateDbContext();
        Assert.Equal(mine.Id, (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).StripeCustomerId);
    }
}
