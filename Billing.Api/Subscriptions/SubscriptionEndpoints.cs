using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Api.StripeRoutes;
using Billing.Domain.Catalog;
using Billing.Domain.Payments;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Tenancy;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using LocalSubscription = Billing.Infrastructure.Data.Entities.Subscription;

namespace Billing.Api.Subscriptions;

/// <summary>The tenant's subscription: read it, change plan, subscribe through Stripe Checkout, cancel.</summary>
public static class SubscriptionEndpoints
{
    public static IEndpointRouteBuilder MapSubscriptionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subscription").WithTags("Subscription").RequireAuthorization(AuthPolicies.Tenant)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapGet("/", Get).WithName("GetSubscription").RequireScope(ApiScopes.Read);
        group.MapPost("/change-plan", ChangePlan).WithName("ChangePlan").RequireScope(ApiScopes.Manage)
            .RequireStripeCallBudget().SerializedPlanChange().WithDescription(
            "Starting a paid subscription charged to a card needs a card on file: without one the answer is 402 "
            + "`payment-method-required` (use `/checkout`), a declined card is 402 `payment-declined`; nothing changes either way.");
        group.MapPost("/checkout", Checkout).WithName("StartCheckout").RequireScope(ApiScopes.Manage)
            .RequireStripeCallBudget().WithDescription(
            "A Stripe Checkout Session for a paid plan: send the browser to `url`. Nothing changes until Stripe reports the "
            + "completed session; then the tenant is on the plan, its card on file. Cancelling Checkout changes nothing.");
        group.MapPost("/cancel", Cancel).WithName("CancelSubscription").RequireScope(ApiScopes.Manage)
            .RequireStripeCallBudget().SerializedPlanChange();
        return app;
    }

    public static async Task<Results<Ok<SubscriptionResponse>, NotFound>> Get(
        CurrentTenant caller, BillingDbContext db, TenantBillingStore tenants, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.TenantId == caller.RequiredTenantId, cancellationToken);
        return subscription is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(await ToResponseAsync(subscription, db, tenants, catalog, cancellationToken));
    }

    public static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> ChangePlan(
        ChangePlanRequest request, CurrentTenant caller, SubscriptionChanges changes, BillingDbContext db, TenantBillingStore tenants, BillingCatalog catalog,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!PlanTiers.TryParse(request.Plan, out var plan))
        {
            errors["plan"] = ["The plan must be one of: free, standard, enterprise."];
        }

        PlanChangeTiming? timing = request.Timing?.ToLowerInvariant() switch
        {
            null => null,
            "now" => PlanChangeTiming.Now,
            "period_end" => PlanChangeTiming.PeriodEnd,
            _ => null,
        };
        if (request.Timing is not null && timing is null)
        {
            errors["timing"] = ["The timing must be 'now' or 'period_end'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        try
        {
            var subscription = await changes.ChangePlanAsync(caller.RequiredTenantId, plan, timing, caller.Actor, cancellationToken);
            return TypedResults.Ok(await ToResponseAsync(subscription, db, tenants, catalog, cancellationToken));
        }
        catch (PaymentRequiredException e)
        {
            return e.Problem == PaymentProblem.MethodRequired
                ? TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, type: ProblemTypes.PaymentMethodRequired,
                    title: "A payment method is needed", detail: e.Message)
                : TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, type: ProblemTypes.PaymentDeclined,
                    title: "The payment was declined", detail: e.Message);
        }
    }

    public static async Task<Results<Ok<CheckoutResponse>, ValidationProblem, ProblemHttpResult>> Checkout(
        CheckoutRequest request, CurrentTenant caller, BillingDbContext db, StripeCheckout checkout, IOptions<StripeOptions> stripe,
        CancellationToken cancellationToken)
    {
        if (!PlanTiers.TryParse(request.Plan, out var plan) || plan == PlanTier.Free)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["plan"] = ["Checkout is for a paid plan: standard or enterprise."] });
        }

        if (!stripe.Value.Enabled || !checkout.CanReturn)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.PaymentsNotConfigured,
                title: "Payments are not set up", detail: "This deployment takes no card payments (Stripe and Payments:DashboardUrl must be configured).");
        }

        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == caller.RequiredTenantId, cancellationToken);
        if (subscription.CollectionMethod == CollectionMethod.SendInvoice.ToKey())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.InvoicedTenant, title: "You are invoiced",
                detail: "Your invoices are sent to you and paid from their pages: choose the plan with POST /api/v1/subscription/change-plan, no card is needed.");
        }

        if (subscription.StripeSubscriptionId is not null && !SubscriptionLifecycle.HasEnded(subscription.Status))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.AlreadySubscribed, title: "Already subscribed",
                detail: "You already have a paid subscription: change plan with POST /api/v1/subscription/change-plan, and replace your card in the billing portal.");
        }

        var session = await checkout.StartAsync(caller.RequiredTenantId, plan, caller.Actor, cancellationToken);
        return TypedResults.Ok(new CheckoutResponse(session.Url, session.Id, new DateTimeOffset(DateTime.SpecifyKind(session.ExpiresAt, DateTimeKind.Utc))));
    }

    public static async Task<Ok<SubscriptionResponse>> Cancel(
        CancelRequest? request, CurrentTenant caller, SubscriptionChanges changes, BillingDbContext db, TenantBillingStore tenants, BillingCatalog catalog,
        CancellationToken cancellationToken)
    {
        var subscription = await changes.CancelAsync(caller.RequiredTenantId, request?.AtPeriodEnd ?? true, caller.Actor, cancellationToken);
        return TypedResults.Ok(await ToResponseAsync(subscription, db, tenants, catalog, cancellationToken));
    }

    /// <summary>The subscription with the plan as the tenant has it; the changes above evict the cached view first.</summary>
    private static async Task<SubscriptionResponse> ToResponseAsync(
        LocalSubscription s, BillingDbContext db, TenantBillingStore tenants, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var billing = await tenants.GetAsync(s.TenantId, cancellationToken);
        var plan = billing?.Plan ?? (PlanTiers.TryParse(s.Plan, out var tier) ? catalog.Plan(tier) : null);
        DateTimeOffset? graceEnds = s.PaymentFailedAt is { } failed && plan is not null ? failed.AddDays(plan.PaymentGraceDays) : null;
        var card = s.PaymentMethodId is not null && s.PaymentMethodBrand is { } brand && s.PaymentMethodLast4 is { } last4
            ? new CardSummary(brand, last4, s.PaymentMethodExpMonth ?? 0, s.PaymentMethodExpYear ?? 0)
            : null;
        var collection = CollectionMethods.TryParse(s.CollectionMethod, out var method) ? method : CollectionMethod.ChargeAutomatically;
        var live = s.StripeSubscriptionId is not null && !SubscriptionLifecycle.HasEnded(s.Status);
        var needsCard = card is null && CollectionMethods.NeedsPaymentMethod(PlanTier.Standard, live, collection);
        return new SubscriptionResponse(s.Plan, s.Status, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.PendingPlan,
            s.PaymentFailedAt, graceEnds, plan?.BasePriceCents ?? 0, catalog.Currency, billing?.HasOverrides ?? false,
            s.CollectionMethod, s.DaysUntilDue, card, needsCard, await OutstandingAsync(db, s.TenantId, cancellationToken));
    }

    private static async Task<OutstandingPayment?> OutstandingAsync(BillingDbContext db, Guid tenantId, CancellationToken cancellationToken)
    {
        var open = await db.Invoices.AsNoTracking()
            .Where(i => i.TenantId == tenantId && i.Status == "open" && i.AmountDueCents > i.AmountPaidCents)
            .OrderBy(i => i.PeriodStart).ThenBy(i => i.CreatedAt)
            .Select(i => new { Owed = i.AmountDueCents - i.AmountPaidCents, i.HostedInvoiceUrl, i.NextPaymentAttempt, i.AttemptCount, i.DueDate })
            .ToListAsync(cancellationToken);
        if (open.Count == 0)
        {
            return null;
        }

        var oldest = open[0];
        var nextRetry = open.Where(i => i.NextPaymentAttempt is not null).Min(i => i.NextPaymentAttempt);
        return new OutstandingPayment(open.Sum(i => i.Owed), open.Count, oldest.HostedInvoiceUrl, nextRetry, oldest.AttemptCount, oldest.DueDate);
    }
}
