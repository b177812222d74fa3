using Billing.Domain.Catalog;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// Stripe's hosted pages for a tenant's own customer: Checkout, to subscribe to a paid plan with a card it enters there
/// (nothing changes here until <c>checkout.session.completed</c> arrives), and the customer portal, to replace the card
/// and pay open invoices. Both send the tenant back to the dashboard (<see cref="PaymentsOptions"/>).
/// </summary>
public sealed class StripeCheckout(
    StripeClient stripe, BillingDbContext db, StripeCustomers customers, StripeCatalogIds catalogIds, IOptions<PaymentsOptions> payments, AuditLog audit)
{
    /// <summary>A Checkout Session for <paramref name="plan"/>: the base fee once, each metered price without a quantity.</summary>
    public async Task<Session> StartAsync(Guid tenantId, PlanTier plan, string actor, CancellationToken cancellationToken)
    {
        var customer = await customers.EnsureAsync(tenantId, cancellationToken);
        var lines = new List<SessionLineItemOptions>();
        foreach (var price in await catalogIds.PricesForAsync(plan, cancellationToken))
        {
            var metered = (await catalogIds.DescribeAsync(price, cancellationToken))?.Metric is not null;
            lines.Add(new SessionLineItemOptions { Price = price, Quantity = metered ? null : 1 });
        }

        var tenant = new Dictionary<string, string> { ["tenant_id"] = tenantId.ToString() };
        var session = await stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            Customer = customer,
            ClientReferenceId = tenantId.ToString(),
            LineItems = lines,
            SuccessUrl = Dashboard($"checkout=complete&plan={plan.ToKey()}&session_id={{CHECKOUT_SESSION_ID}}"),
            CancelUrl = Dashboard("checkout=cancelled"),
            SubscriptionData = new SessionSubscriptionDataOptions { Metadata = tenant },
            Metadata = new Dictionary<string, string>(tenant) { ["plan"] = plan.ToKey() },
        }, cancellationToken: cancellationToken);
        audit.Record(tenantId, actor, "checkout.started", new { plan = plan.ToKey(), sessionId = session.Id });
        await db.SaveChangesAsync(cancellationToken);
        return session;
    }

    /// <summary>A customer portal session; its page returns to the dashboard.</summary>
    public async Task<string> OpenPortalAsync(Guid tenantId, string actor, CancellationToken cancellationToken)
    {
        var customer = await customers.EnsureAsync(tenantId, cancellationToken);
        var session = await stripe.V1.BillingPortal.Sessions.CreateAsync(new global::Stripe.BillingPortal.SessionCreateOptions
        {
            Customer = customer,
            ReturnUrl = Dashboard(),
        }, cancellationToken: cancellationToken);
        audit.Record(tenantId, actor, "billing_portal.opened", new { sessionId = session.Id });
        await db.SaveChangesAsync(cancellationToken);
        return session.Url;
    }

    /// <summary>Whether the dashboard's address is configured, without which Stripe would have nowhere to send the tenant back.</summary>
    public bool CanReturn => payments.Value.Dashboard() is not null;

    private string Dashboard(string? query = null) =>
        payments.Value.Dashboard(query) ?? throw new InvalidOperationException("Payments:DashboardUrl is not configured.");
}
