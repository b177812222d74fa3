using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Pricing;

namespace Billing.Api.Usage;

/// <summary>Turns a period's usage into the usage API's answer: quotas, status, cost and projection per metric.</summary>
public static class UsageReport
{
    public static UsageResponse Build(Plan plan, string currency, BillingPeriod period, IReadOnlyDictionary<Metric, long> usage, DateTimeOffset now)
    {
        var lines = MetricKeys.All.Select(metric => Line(plan.Quota(metric), usage.GetValueOrDefault(metric), period, now)).ToList();
        return new UsageResponse(
            plan.Tier.ToKey(),
            period.Start,
            period.End,
            lines,
            currency,
            plan.BasePriceCents,
            // The same price the spend alerts compare with the tenant's limit.
            CostCalculator.Compute(plan, usage).TotalCents,
            plan.BasePriceCents + lines.Sum(l => l.ProjectedCostCents));
    }

    private static MetricUsageResponse Line(Quota quota, long used, BillingPeriod period, DateTimeOffset now)
    {
        var definition = Metrics.Get(quota.Metric);
        var projected = UsageProjection.Project(definition.Kind, used, period, now);
        var limit = quota.HardLimit;
        var status = limit is { } hard && used >= hard ? "blocked" : used > quota.Included ? "warning" : "ok";
        return new MetricUsageResponse(
            definition.Key,
            definition.Unit,
            used,
            quota.Included,
            limit,
            Math.Max(0, (limit ?? quota.Included) - used),
            Math.Max(0, used - quota.Included),
            quota.Cap.ToKey(),
            status,
            CostCalculator.Line(quota, used).AmountCents,
            projected,
            CostCalculator.Line(quota, projected).AmountCents);
    }
}
