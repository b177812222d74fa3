using Billing.Domain.Catalog;

namespace Billing.Api.Plans;

/// <summary><c>GET /api/v1/plans</c>: the public price list, straight from the validated catalog.</summary>
public static class PlansEndpoints
{
    public static IEndpointRouteBuilder MapPlansApi(this IEndpointRouteBuilder app)
    {
        // Prices are public: the web app shows them before sign-in.
        app.MapGroup("/api/v1/plans").WithTags("Plans").AllowAnonymous()
            .MapGet("/", GetPlans).WithName("GetPlans");
        return app;
    }

    public static PlanCatalogResponse GetPlans(BillingCatalog catalog) =>
        new(catalog.Currency, [.. catalog.Plans.Values.OrderBy(p => p.Tier).Select(ToResponse)]);

    internal static PlanResponse ToResponse(Plan plan) => new(
        plan.Tier.ToKey(),
        plan.Name,
        plan.BasePriceCents,
        plan.PaymentGraceDays,
        [.. MetricKeys.All.Select(metric => ToResponse(plan.Quota(metric)))],
        new IngestionBudgetResponse(plan.IngestionBudget.EventsPerSecond, plan.IngestionBudget.Burst));

    private static QuotaResponse ToResponse(Quota quota) => new(
        quota.Metric.ToKey(),
        Metrics.Get(quota.Metric).Unit,
        quota.Included,
        quota.Cap == CapMode.Hard ? "hard" : "soft",
        quota.GracePercent,
        quota.HardLimit,
        quota.Overage is { } overage ? new OverageResponse(overage.AmountCents, overage.PerUnits) : null);
}
