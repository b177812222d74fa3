using System.Collections.Frozen;

namespace Billing.Domain.Catalog;

/// <summary>A subscription tier: a monthly base price, days of payment grace, one quota per metric and an ingestion budget.</summary>
public sealed record Plan(
    PlanTier Tier, string Name, long BasePriceCents, int PaymentGraceDays, IReadOnlyDictionary<Metric, Quota> Quotas, IngestionBudget IngestionBudget)
{
    /// <exception cref="InvalidOperationException">The plan has no quota for <paramref name="metric"/> (only possible for unvalidated plans).</exception>
    public Quota Quota(Metric metric) =>
        Quotas.TryGetValue(metric, out var quota)
            ? quota
            : throw new InvalidOperationException($"Plan {Name} has no quota for {metric}.");

    /// <summary>The plan as a tenant with <paramref name="overrides"/> sees it; this plan itself when there are none.</summary>
    /// <exception cref="CatalogValidationException">The overridden plan breaks a catalog rule; paths start with <c>Overrides:&lt;tier&gt;</c>.</exception>
    public Plan WithOverrides(TenantOverrides? overrides)
    {
        if (overrides is null)
        {
            return this;
        }

        var quotas = Quotas.ToDictionary();
        foreach (var (metric, change) in overrides.Quotas)
        {
            // A metric the plan lacks starts from nothing, so the override alone must make a valid quota.
            var current = quotas.GetValueOrDefault(metric) ?? new Quota(metric, 0, CapMode.Hard, 0, null);
            quotas[metric] = current with
            {
                Included = change.Included ?? current.Included,
                Cap = change.Cap ?? current.Cap,
                GracePercent = change.GracePercent ?? current.GracePercent,
                Overage = change.Overage ?? current.Overage,
            };
        }

        var result = this with
        {
            BasePriceCents = overrides.BasePriceCents ?? BasePriceCents,
            Quotas = quotas.ToFrozenDictionary(),
            IngestionBudget = new IngestionBudget(
                overrides.IngestionBudget?.EventsPerSecond ?? IngestionBudget.EventsPerSecond, overrides.IngestionBudget?.Burst ?? IngestionBudget.Burst),
        };
        var errors = CatalogRules.CheckPlan(result, $"Overrides:{Tier.ToKey()}");
        return errors.Count == 0 ? result : throw new CatalogValidationException(errors);
    }
}
