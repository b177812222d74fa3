using Billing.Api.Auth;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using LocalSubscription = Billing.Infrastructure.Data.Entities.Subscription;

namespace Billing.Api.Subscriptions;

/// <summary>The tenant's subscription: read it, change plan, cancel.</summary>
public static class SubscriptionEndpoints
{
    public static IEndpointRouteBuilder MapSubscriptionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subscription").WithTags("Subscription").RequireAuthorization(AuthPolicies.Tenant);
        group.MapGet("/", Get).WithName("GetSubscription");
        group.MapPost("/change-plan", ChangePlan).WithName("ChangePlan");
        group.MapPost("/cancel", Cancel).WithName("CancelSubscription");
        return app;
    }

    public static async Task<Results<Ok<SubscriptionResponse>, NotFound>> Get(
        CurrentTenant caller, BillingDbContext db, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.TenantId == caller.RequiredTenantId, cancellationToken);
        return subscription is null ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(subscription, catalog));
    }

    public static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem>> ChangePlan(
        ChangePlanRequest request, CurrentTenant caller, SubscriptionChanges changes, BillingCatalog catalog, CancellationToken cancellationToken)
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
        return TypedResults.Ok(ToResponse(subscription, catalog));
    }

    public static async Task<Ok<SubscriptionResponse>> Cancel(
        CancelRequest? request, CurrentTenant caller, SubscriptionChanges changes, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var subscription = await changes.CancelAsync(caller.RequiredTenantId, request?.AtPeriodEnd ?? true, caller.Actor, cancellationToken);
        return TypedResults.Ok(ToResponse(subscription, catalog));
    }

    private static SubscriptionResponse ToResponse(LocalSubscription s, BillingCatalog catalog)
    {
        DateTimeOffset? graceEnds = s.PaymentFailedAt is { } failed && PlanTiers.TryParse(s.Plan, out var tier)
            ? failed.AddDays(catalog.Plan(tier).PaymentGraceDays)
            : null;
        return new SubscriptionResponse(s.Plan, s.Status, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.PendingPlan, s.PaymentFailedAt, graceEnds);
    }
}
