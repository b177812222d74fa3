using Billing.Domain.Catalog;
using Billing.Domain.Pricing;

namespace Billing.Domain.Alerts;

/// <summary>Which thresholds a tenant's period usage has crossed, for its included quantities and its spend limit.</summary>
public static class AlertRules
{
    /// <summary>
    /// Every threshold reached, whether or not it was alerted before (the store keeps one alert per threshold and period).
    /// Metrics the plan does not include (no quota, or 0 included) have no share to alert on. Spend is what the invoice
    /// would be so far, the base fee plus the usage cost, exactly as <see cref="CostCalculator.Compute"/> prices it
    /// for the usage API's <c>costCents</c>.
    /// </summary>
    public static IReadOnlyList<ThresholdCrossing> Crossings(Plan plan, IReadOnlyDictionary<Metric, long> usage, long? spendLimitCents)
    {
        var crossings = new List<ThresholdCrossing>();
        foreach (var metric in MetricKeys.All)
        {
            if (plan.Quotas.TryGetValue(metric, out var quota))
            {
                var used = usage.GetValueOrDefault(metric);
                crossings.AddRange(AlertThresholds.Reached(used, quota.Included)
                    .Select(percent => new ThresholdCrossing(AlertKind.Included, metric, percent, used, quota.Included)));
            }
        }

        if (spendLimitCents is { } limit)
        {
            var spend = CostCalculator.Compute(plan, usage).TotalCents;
            crossings.AddRange(AlertThresholds.Reached(spend, limit)
                .Select(percent => new ThresholdCrossing(AlertKind.Spend, null, percent, spend, limit)));
        }

        return crossings;
    }
}
