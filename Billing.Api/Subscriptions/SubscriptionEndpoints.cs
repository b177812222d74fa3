using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.StripeRoutes;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Tenancy;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using LocalSubscription = Billing.Infrastructure.Data.Entities.Subscription;

namespace Billing.Api.Subscriptions;

/// <summary>The tenant's subscription: read it, change plan, cancel.</summary>
public static class SubscriptionEndpoints
{
    public static IEndpointRouteBuilder MapSubscriptionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subscription").WithTags("Subscription").RequireAuthorization(AuthPolicies.Tenant)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapGet("/", Get).WithName("GetSubscription").RequireScope(ApiScopes.Read);
        group.MapPost("/change-plan", ChangePlan).WithName("ChangePlan").RequireScope(ApiScopes.Manage)
            .RequireStripeCallBudget().SerializedPlanChange();
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
            : TypedResults.Ok(await ToResponseAsync(subscription, tenants, catalog, cancellationToken));
    }

    public static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem>> ChangePlan(
        ChangePlanRequest request, CurrentTenant caller, SubscriptionChanges changes, TenantBillingStore tenants, BillingCatalog catalog,
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

        var subscription = await changes.ChangePlanAsync(caller.RequiredTenantId, plan, timing, caller.Actor, cancellationToken);
        return TypedResults.Ok(await ToResponseAsync(subscription, tenants, catalog, cancellationToken));
    }

    public static async Task<Ok<SubscriptionResponse>> Cancel(
        CancelRequest? request, CurrentTenant caller, SubscriptionChanges changes, TenantBillingStore tenants, BillingCatalog catalog,
        CancellationToken cancellationToken)
    {
        var subscription = await changes.CancelAsync(caller.RequiredTenantId, request?.AtPeriodEnd ?? true, caller.Actor, cancellationToken);
        return TypedResults.Ok(await ToResponseAsync(subscription, tenants, catalog, cancellationToken));
    }

    /// <summary>The subscription with the plan as the tenant has it; the changes above evict the cached view first.</summary>
    private static async Task<SubscriptionResponse> ToResponseAsync(
        LocalSubscription s, TenantBillingStore tenants, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var billing = await tenants.GetAsync(s.TenantId, cancellationToken);
        var plan = billing?.Plan ?? (PlanTiers.TryParse(s.Plan, out var tier) ? catalog.Plan(tier) : null);
        DateTimeOffset? graceEnds = s.PaymentFailedAt is { } failed && plan is not null ? failed.AddDays(plan.PaymentGraceDays) : null;
        return new SubscriptionResponse(s.Plan, s.Status, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.PendingPlan,
            s.PaymentFailedAt, graceEnds, plan?.BasePriceCents ?? 0, catalog.Currency, billing?.HasOverrides ?? false);
    }
}
