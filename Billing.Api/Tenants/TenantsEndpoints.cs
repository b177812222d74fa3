using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tenants;

/// <summary>Tenants: created by the operator; readable by the operator and by the tenant itself.</summary>
public static class TenantsEndpoints
{
    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tenants").WithTags("Tenants").LimitRequestBody(RequestBodyLimits.Settings);
        group.MapPost("/", CreateTenant).RequireAuthorization(AuthPolicies.Operator).WithName("CreateTenant");
        group.MapGet("/{id:guid}", GetTenant).RequireAuthorization(AuthPolicies.OperatorOrTenant).RequireScope(ApiScopes.Read).WithName("GetTenant");
        return app;
    }

    public static async Task<Results<Created<TenantResponse>, ValidationProblem>> CreateTenant(
        CreateTenantRequest request, BillingDbContext db, TimeProvider clock, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!PlanTiers.TryParse(request.Plan, out var tier))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["plan"] = ["The plan must be one of: free, standard, enterprise."],
            });
        }

        var now = clock.GetUtcNow();
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Name = request.Name.Trim(), Plan = tier.ToKey(), CreatedAt = now, UpdatedAt = now };
        var period = BillingPeriod.Containing(now, now);
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenant.Id,
            Plan = tenant.Plan,
            Status = "active",
            BillingAnchor = now,
            CurrentPeriodStart = period.Start,
            CurrentPeriodEnd = period.End,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Tenants.Add(tenant);
        db.Subscriptions.Add(subscription);
        audit.Record(tenant.Id, "operator", "tenant.created", new { tenant.Name, tenant.Plan });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/tenants/{tenant.Id}", ToResponse(tenant, subscription));
    }

    public static async Task<Results<Ok<TenantResponse>, NotFound>> GetTenant(
        Guid id, BillingDbContext db, CurrentTenant caller, CancellationToken cancellationToken)
    {
        // Another tenant's id answers exactly like a missing one: its existence is not revealed.
        if (!caller.CanSee(id))
        {
            return TypedResults.NotFound();
        }

        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (tenant is null)
        {
            return TypedResults.NotFound();
        }

        var subscription = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == id, cancellationToken);
        return TypedResults.Ok(ToResponse(tenant, subscription));
    }

    private static TenantResponse ToResponse(Tenant tenant, Subscription? subscription) => new(
        tenant.Id,
        tenant.Name,
        tenant.Plan,
        tenant.Status,
        tenant.CreatedAt,
        subscription is null ? null : new SubscriptionSummary(
            subscription.Plan, subscription.Status, subscription.CurrentPeriodStart, subscription.CurrentPeriodEnd, subscription.CancelAtPeriodEnd));
}
