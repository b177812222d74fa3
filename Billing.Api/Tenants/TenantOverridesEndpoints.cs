using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.Plans;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tenants;

/// <summary>
/// A tenant's overrides of its plan's quotas and prices (operator only). They change what this system enforces,
/// reports and projects; Stripe keeps invoicing the catalog's prices (see the README).
/// </summary>
public static class TenantOverridesEndpoints
{
    public static IEndpointRouteBuilder MapTenantOverridesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tenants/{id:guid}/overrides").WithTags("Tenants").RequireAuthorization(AuthPolicies.Operator)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapGet("/", GetOverrides).WithName("GetTenantOverrides");
        group.MapPut("/", PutOverrides).WithName("PutTenantOverrides").WithDescription(
            "Replaces the tenant's overrides (an empty body object removes them). Every field left out keeps the plan's value; the "
            + "overrides must make a valid plan of every tier, since they follow the tenant across plan changes. Enforcement, the usage "
            + "report and the subscription follow at once, on every replica. Stripe still invoices the catalog's prices: an overridden "
            + "price or included quantity changes local projections only.");
        return app;
    }

    public static async Task<Results<Ok<TenantOverridesResponse>, NotFound>> GetOverrides(
        Guid id, BillingDbContext db, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.AsNoTracking().Where(t => t.Id == id)
            .Select(t => new { t.Overrides, Plan = db.Subscriptions.Where(s => s.TenantId == t.Id).Select(s => s.Plan).FirstOrDefault() ?? t.Plan })
            .FirstOrDefaultAsync(cancellationToken);
        if (tenant is null || !PlanTiers.TryParse(tenant.Plan, out var tier))
        {
            return TypedResults.NotFound();
        }

        // What is enforced: stored overrides the catalog no longer accepts show as none until they are replaced.
        return TypedResults.Ok(ToResponse(id, tier, TenantOverridesJson.Apply(catalog, tier, tenant.Overrides).Applied, catalog));
    }

    public static async Task<Results<Ok<TenantOverridesResponse>, NotFound, ValidationProblem>> PutOverrides(
        Guid id, TenantOverridesBody body, BillingDbContext db, BillingCatalog catalog, AuditLog audit, CacheInvalidation caches,
        CurrentTenant caller, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        var plan = await db.Subscriptions.Where(s => s.TenantId == id).Select(s => s.Plan).FirstOrDefaultAsync(cancellationToken) ?? tenant?.Plan;
        if (tenant is null || !PlanTiers.TryParse(plan, out var tier))
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, string[]>();
        var overrides = TenantOverridesValidation.Read(body, catalog, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Overrides rejected",
                detail: "Nothing was changed: the tenant keeps its previous overrides.");
        }

        var before = TenantOverridesJson.Apply(catalog, tier, tenant.Overrides).Applied;
        tenant.Overrides = TenantOverridesJson.Serialize(overrides);
        tenant.UpdatedAt = clock.GetUtcNow();
        audit.Record(id, caller.Actor, "tenant.overrides_changed", new { before = ToBody(before), after = ToBody(overrides) });
        await db.SaveChangesAsync(cancellationToken);
        // Every replica enforces from its cached view of the tenant: drop it everywhere, not only here.
        await caches.EvictEverywhereAsync(TenantBillingStore.CacheKey(id));
        return TypedResults.Ok(ToResponse(id, tier, overrides, catalog));
    }

    private static TenantOverridesResponse ToResponse(Guid id, PlanTier tier, TenantOverrides? overrides, BillingCatalog catalog) =>
        new(id, ToBody(overrides), PlansEndpoints.ToResponse(catalog.PlanFor(tier, overrides)));

    private static TenantOverridesBody ToBody(TenantOverrides? overrides) => new(
        overrides?.BasePriceCents,
        overrides?.Quotas.OrderBy(q => q.Key).ToDictionary(
            q => q.Key.ToKey(),
            q => (QuotaOverrideBody?)new QuotaOverrideBody(q.Value.Included, q.Value.Cap?.ToKey(), q.Value.GracePercent,
                q.Value.Overage?.AmountCents, q.Value.Overage?.PerUnits)) ?? [],
        overrides?.IngestionBudget is { } budget ? new IngestionBudgetOverrideBody(budget.EventsPerSecond, budget.Burst) : null);
}
