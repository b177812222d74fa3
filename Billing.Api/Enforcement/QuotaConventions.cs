using Billing.Domain.Catalog;

namespace Billing.Api.Enforcement;

/// <summary>Quota enforcement as an endpoint convention, applied per route or per group.</summary>
public static class QuotaConventions
{
    /// <summary>
    /// Enforces the tenant's quota of <paramref name="metric"/> on every endpoint of the builder:
    /// <c>group.RequireQuota(Metric.ApiCalls)</c> counts one per request;
    /// <c>group.RequireQuota(Metric.LlmTokens, QuotaAmount.ReportedByHandler)</c> checks before and records what the
    /// handler reports with <c>HttpContext.ReportUsage</c>. Endpoints must require a tenant key.
    /// </summary>
    public static TBuilder RequireQuota<TBuilder>(this TBuilder builder, Metric metric, QuotaAmount amount = QuotaAmount.OnePerRequest)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new QuotaFilter(metric, amount));
}
