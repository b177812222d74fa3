using System.Globalization;
using Billing.Api.Auth;
using Billing.Api.Problems;
using Billing.Api.StripeRoutes;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;
using LocalInvoice = Billing.Infrastructure.Data.Entities.Invoice;

namespace Billing.Api.Invoices;

/// <summary>The tenant's invoices (kept locally from Stripe's webhooks) and a preview of the upcoming one.</summary>
public static class InvoiceEndpoints
{
    public static IEndpointRouteBuilder MapInvoicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/invoices").WithTags("Invoices").RequireAuthorization(AuthPolicies.Tenant).RequireScope(ApiScopes.Read);
        group.MapGet("/", List).WithName("ListInvoices");
        group.MapGet("/preview", Preview).WithName("PreviewInvoice")
            .CachedPerTenant(StripeRouteConventions.InvoicePreview).RequireStripeCallBudget();
        group.MapGet("/{id:guid}", Get).WithName("GetInvoice");
        return app;
    }

    public static async Task<Results<Ok<InvoicePage>, ValidationProblem>> List(
        CurrentTenant caller, BillingDbContext db, CancellationToken cancellationToken, int page = 1, int pageSize = 20)
    {
        if (page < 1 || pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["page"] = ["page ≥ 1 and 1 ≤ pageSize ≤ 100."] });
        }

        var query = db.Invoices.AsNoTracking().Where(i => i.TenantId == caller.RequiredTenantId);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(i => i.PeriodStart).ThenByDescending(i => i.CreatedAt)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new InvoicePage([.. items.Select(Summary)], page, pageSize, total));
    }

    public static async Task<Results<Ok<InvoiceDetail>, NotFound>> Get(Guid id, CurrentTenant caller, BillingDbContext db, CancellationToken cancellationToken)
    {
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines)
            .SingleOrDefaultAsync(i => i.Id == id && i.TenantId == caller.RequiredTenantId, cancellationToken);
        return invoice is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new InvoiceDetail(Summary(invoice), [.. invoice.Lines.OrderBy(l => l.Proration).ThenBy(l => l.Description).Select(l =>
                new InvoiceLineResponse(l.StripeLineId, l.Description, l.Metric, l.Quantity, l.AmountCents,
                    l.UnitAmountDecimal?.ToString(CultureInfo.InvariantCulture), l.Proration, l.PeriodStart, l.PeriodEnd))]));
    }

    public static async Task<Results<Ok<InvoicePreview>, ProblemHttpResult>> Preview(
        CurrentTenant caller, BillingDbContext db, StripeClient stripe, StripeCatalogIds catalogIds, IOptions<StripeOptions> options, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.TenantId == caller.RequiredTenantId, cancellationToken);
        var customer = await db.Tenants.AsNoTracking().Where(t => t.Id == caller.RequiredTenantId).Select(t => t.StripeCustomerId).SingleOrDefaultAsync(cancellationToken);
        if (!options.Value.Enabled || subscription?.StripeSubscriptionId is null || customer is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: ProblemTypes.NoSubscription,
                title: "No upcoming invoice", detail: "Only a paid plan has an upcoming invoice; the Free plan is never invoiced.");
        }

        var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = customer,
            Subscription = subscription.StripeSubscriptionId,
        }, cancellationToken: cancellationToken);
        var lines = new List<InvoiceLineResponse>();
        foreach (var line in preview.Lines?.Data ?? [])
        {
            var role = StripeInvoiceLines.PriceId(line) is { } price ? await catalogIds.DescribeAsync(price, cancellationToken) : null;
            lines.Add(new InvoiceLineResponse(line.Id ?? "", line.Description ?? "", role?.Metric, line.Quantity ?? 0, line.Amount,
                line.Pricing?.UnitAmountDecimal?.ToString(CultureInfo.InvariantCulture),
                StripeInvoiceLines.IsProration(line),
                line.Period?.Start ?? preview.PeriodStart, line.Period?.End ?? preview.PeriodEnd));
        }

        return TypedResults.Ok(new InvoicePreview(preview.Currency, preview.PeriodStart, preview.PeriodEnd, preview.Subtotal, preview.Total, preview.AmountDue, lines));
    }

    private static InvoiceSummary Summary(LocalInvoice i) => new(
        i.Id, i.Number, i.Status, i.Currency, i.PeriodStart, i.PeriodEnd, i.SubtotalCents, i.TotalCents, i.AmountDueCents, i.AmountPaidCents,
        i.HostedInvoiceUrl, i.InvoicePdfUrl, i.CreatedAt);
}
