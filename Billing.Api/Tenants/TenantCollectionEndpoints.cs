using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Domain.Payments;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tenants;

/// <param name="Method"><c>charge_automatically</c> (a card, collected with Checkout) or <c>send_invoice</c>.</param>
/// <param name="DaysUntilDue">With <c>send_invoice</c>: days to pay each invoice (1–365); absent otherwise.</param>
public sealed record CollectionBody(string? Method, int? DaysUntilDue);

public sealed record CollectionResponse(Guid TenantId, string Method, int? DaysUntilDue);

/// <summary>How a tenant pays (operator only): by card, or by invoices it pays from their pages, with no card on file.</summary>
public static class TenantCollectionEndpoints
{
    public static IEndpointRouteBuilder MapTenantCollectionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tenants/{id:guid}/collection").WithTags("Tenants").RequireAuthorization(AuthPolicies.Operator)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapGet("/", Get).WithName("GetTenantCollection");
        group.MapPut("/", Put).WithName("PutTenantCollection").WithDescription(
            "`send_invoice` bills the tenant by invoices due `daysUntilDue` days after they are sent: no card is needed to choose a paid "
            + "plan, and an invoice past its due date starts the payment grace. A live Stripe subscription follows at once.");
        return app;
    }

    public static async Task<Results<Ok<CollectionResponse>, NotFound>> Get(Guid id, BillingDbContext db, CancellationToken cancellationToken) =>
        await db.Subscriptions.AsNoTracking().Where(s => s.TenantId == id).Select(s => new CollectionResponse(id, s.CollectionMethod, s.DaysUntilDue))
            .FirstOrDefaultAsync(cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : TypedResults.NotFound();

    public static async Task<Results<Ok<CollectionResponse>, NotFound, ValidationProblem>> Put(
        Guid id, CollectionBody body, BillingDbContext db, SubscriptionChanges changes, CurrentTenant caller, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!CollectionMethods.TryParse(body.Method, out var method))
        {
            errors["method"] = ["The method must be charge_automatically or send_invoice."];
        }
        else if (method == CollectionMethod.SendInvoice && body.DaysUntilDue is not (>= 1 and <= CollectionMethods.MaxDaysUntilDue))
        {
            errors["daysUntilDue"] = [$"send_invoice needs daysUntilDue between 1 and {CollectionMethods.MaxDaysUntilDue}."];
        }
        else if (method == CollectionMethod.ChargeAutomatically && body.DaysUntilDue is not null)
        {
            errors["daysUntilDue"] = ["daysUntilDue applies to send_invoice only."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (!await db.Subscriptions.AnyAsync(s => s.TenantId == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var subscription = await changes.SetCollectionAsync(id, method, body.DaysUntilDue, caller.Actor, cancellationToken);
        return TypedResults.Ok(new CollectionResponse(id, subscription.CollectionMethod, subscription.DaysUntilDue));
    }
}
