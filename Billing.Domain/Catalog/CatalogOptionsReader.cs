using System.Collections.Frozen;

namespace Billing.Domain.Catalog;

/// <summary>Turns configuration into a catalog, collecting every error before failing so an operator fixes them in one go.</summary>
internal static class CatalogOptionsReader
{
    public static BillingCatalog Read(CatalogOptions options)
    {
        var errors = CatalogRules.CheckCurrency(options.Currency).ToList();
        var plans = new Dictionary<PlanTier, Plan>();
        var seen = new HashSet<PlanTier>();
        foreach (var (key, planOptions) in options.Plans ?? [])
        {
            var path = $"Plans:{key}";
            if (!PlanTiers.TryParse(key, out var tier))
            {
                errors.Add($"{path}: unknown plan; expected one of {string.Join(", ", PlanTiers.All.Select(t => t.ToKey()))}.");
            }
            else if (!seen.Add(tier))
            {
                errors.Add($"{path}: duplicates plan \"{tier.ToKey()}\".");
            }
            else if (planOptions is null)
            {
                errors.Add($"{path}: has no settings.");
            }
            else
            {
                plans[tier] = ReadPlan(tier, planOptions, path, errors);
            }
        }

        errors.AddRange(PlanTiers.All.Except(seen).Select(missing => $"Plans:{missing.ToKey()}: is missing."));
        return errors.Count == 0
            ? new BillingCatalog(options.Currency, plans.ToFrozenDictionary())
            : throw new CatalogValidationException(errors);
    }

    private static Plan ReadPlan(PlanTier tier, PlanOptions options, string path, List<string> errors)
    {
        errors.AddRange(CatalogRules.CheckPlanFields(path, options.Name, options.BasePriceCents, options.PaymentGraceDays));
        var quotas = new Dictionary<Metric, Quota>();
        var seen = new HashSet<Metric>();
        foreach (var (key, quotaOptions) in options.Quotas ?? [])
        {
            var quotaPath = $"{path}:Quotas:{key}";
            if (!MetricKeys.TryParseConfigurationKey(key, out var metric))
            {
                errors.Add(CatalogRules.UnknownMetric(path, key));
            }
            else if (!seen.Add(metric))
            {
                errors.Add($"{quotaPath}: duplicates metric \"{metric.ToKey()}\".");
            }
            else if (quotaOptions is null)
            {
                errors.Add($"{quotaPath}: has no settings.");
            }
            else if (ReadQuota(metric, quotaOptions, quotaPath, errors) is { } quota)
            {
                quotas[metric] = quota;
            }
        }

        errors.AddRange(CatalogRules.CheckCoverage(path, seen));
        var budget = options.IngestionBudget is { } configured ? new IngestionBudget(configured.EventsPerSecond, configured.Burst) : IngestionBudget.Default;
        errors.AddRange(CatalogRules.CheckIngestionBudget(path, budget));
        return new Plan(tier, options.Name, options.BasePriceCents, options.PaymentGraceDays, quotas.ToFrozenDictionary(), budget);
    }

    private static Quota? ReadQuota(Metric metric, QuotaOptions options, string path, List<string> errors)
    {
        CapMode? cap = CapModes.TryParse(options.Cap, out var parsed) ? parsed : null;
        if (cap is null)
        {
            errors.Add(CatalogRules.InvalidCap(path, options.Cap));
        }

        var quotaErrors = CatalogRules.CheckQuota(
            path, options.Included, cap, options.GracePercent, options.OverageAmountCents, options.OveragePerUnits).ToList();
        errors.AddRange(quotaErrors);
        if (cap is null || quotaErrors.Count > 0)
        {
            return null;
        }

        var overage = options.OverageAmountCents is { } amount && options.OveragePerUnits is { } perUnits
            ? new OveragePrice(amount, perUnits)
            : null;
        return new Quota(metric, options.Included, cap.Value, options.GracePercent, overage);
    }
}
