using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// One Stripe customer per tenant, created on first need. The create carries an idempotency key
/// derived from the tenant, so two racing requests (or a crash before the id is stored) still end
/// with a single customer; the tenant id also sits in the customer's metadata.
/// </summary>
public sealed class StripeCustomers(StripeClient stripe, BillingDbContext db)
{
    public async Task<string> EnsureAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.SingleAsync(t => t.Id == tenantId, cancellationToken);
        if (tenant.StripeCustomerId is { } existing)
        {
            return existing;
        }

        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Name = tenant.Name,
            Metadata = new Dictionary<string, string> { ["tenant_id"] = tenant.Id.ToString() },
        }, new RequestOptions { IdempotencyKey = $"billing-customer-{tenant.Id:N}" }, cancellationToken);

        // Only the first writer stores its id; a racer re-reads the same customer (same idempotency key).
        await db.Tenants.Where(t => t.Id == tenantId && t.StripeCustomerId == null)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.StripeCustomerId, customer.Id), cancellationToken);
        return customer.Id;
    }
}
