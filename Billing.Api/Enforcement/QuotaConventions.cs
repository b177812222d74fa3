using Billing.Domain.Catalog;

namespace Billing.Api.Enforcement;

/// <summary>Quota enforcement as an endpoint convention, applied per route or per group.</summary>
public static class QuotaConventions
{
    /// <summary>
    /// Enforces the tenant's quota of <paramref name="metric"/> on every endpoint of the builder:
    /// <c>group.RequireQuota(Metric.ApiCalls)</c> counts one per request;
    /// <c>group.RequireQuota(Metric.LlmTokens, QuotaAmount.ReportedByHandler)</c> checks before and records what the
    /// handler reports with <c>HttpContext.ReportUsage</c>. Endpoints must require a tenant key. All the quotas of an
    /// endpoint are enforced by one filter: decided together before the handler, recorded together after it.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="metric"/> is a gauge: a level is reported, not consumed per request.</exception>
    public static TBuilder RequireQuota<TBuilder>(this TBuilder builder, Metric metric, QuotaAmount amount = QuotaAmount.OnePerRequest)
        where TBuilder : IEndpointConventionBuilder
    {
        if (Metrics.Get(metric).Kind == MetricKind.Gauge)
        {
            throw new ArgumentException(
                $"{metric.ToKey()} is a gauge (a level, not a sum): requests cannot consume it. Report its level as a usage event.", nameof(metric));
        }

        builder.Add(endpoint =>
        {
            var earlier = endpoint.Metadata.OfType<QuotaRequirement>().ToList();
            if (earlier.Any(r => r.Metric == metric))
            {
                throw new InvalidOperationException($"{endpoint.DisplayName} requires the quota of {metric.ToKey()} twice.");
            }

            endpoint.Metadata.Add(new QuotaRequirement(metric, amount));
            if (earlier.Count == 0)
            {
                // The filter is built after every convention ran, so it sees the endpoint's quotas added later too.
                endpoint.FilterFactories.Add((_, next) =>
                {
                    var filter = new QuotaFilter([.. endpoint.Metadata.OfType<QuotaRequirement>()]);
                    return invocation => filter.InvokeAsync(invocation, next);
                });
            }
        });
        return builder;
    }
}
