using System.Text.RegularExpressions;
using Billing.Domain.Metering;
using static System.FormattableString;

namespace Billing.Domain.Catalog;

/// <summary>
/// The validation rules, shared by the configured catalog and by tenant overrides so an override can never
/// produce a plan the catalog itself would reject. Each error starts with the configuration path it concerns.
/// </summary>
internal static partial class CatalogRules
{
    public static IEnumerable<string> CheckCurrency(string? currency)
    {
        if (currency is null || !CurrencyCode().IsMatch(currency))
        {
            yield return Invariant($"Currency: must be three lowercase letters (ISO 4217, e.g. \"usd\"), was \"{currency}\".");
        }
    }

    public static IEnumerable<string> CheckPlanFields(string path, string? name, long basePriceCents, int paymentGraceDays)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            yield return $"{path}:Name: is required.";
        }

        if (basePriceCents < 0)
        {
            yield return Invariant($"{path}:BasePriceCents: must not be negative, was {basePriceCents}.");
        }

        if (paymentGraceDays < 0)
        {
            yield return Invariant($"{path}:PaymentGraceDays: must not be negative, was {paymentGraceDays}.");
        }
    }

    public static IEnumerable<string> CheckIngestionBudget(string path, IngestionBudget budget)
    {
        if (budget.EventsPerSecond <= 0)
        {
            yield return Invariant($"{path}:IngestionBudget:EventsPerSecond: must be positive, was {budget.EventsPerSecond}.");
        }

        if (budget.Burst < UsageEventRules.MaxEventsPerRequest)
        {
            yield return Invariant($"{path}:IngestionBudget:Burst: must be at least {UsageEventRules.MaxEventsPerRequest} (the events of one request), was {budget.Burst}.");
        }
    }

    public static IEnumerable<string> CheckCoverage(string path, IEnumerable<Metric> present) =>
        MetricKeys.All.Except(present).Select(missing => $"{path}:Quotas:{missing.ToKey()}: is missing.");

    public static string UnknownMetric(string path, string key) =>
        $"{path}:Quotas:{key}: unknown metric; expected one of {string.Join(", ", MetricKeys.All.Select(m => m.ToKey()))}.";

    public static string InvalidCap(string quotaPath, string? cap) =>
        $"{quotaPath}:Cap: must be \"hard\" or \"soft\", was \"{cap}\".";

    /// <param name="cap">Null when the cap could not be read; its own error is reported by the caller.</param>
    public static IEnumerable<string> CheckQuota(
        string path, long included, CapMode? cap, decimal gracePercent, decimal? overageAmountCents, long? overagePerUnits)
    {
        if (included < 0)
        {
            yield return Invariant($"{path}:Included: must not be negative, was {included}.");
        }

        if (gracePercent is < 0 or > 100)
        {
            yield return Invariant($"{path}:GracePercent: must be between 0 and 100, was {gracePercent}.");
        }

        if (overageAmountCents < 0)
        {
            yield return Invariant($"{path}:OverageAmountCents: must not be negative, was {overageAmountCents}.");
        }

        if (overagePerUnits <= 0)
        {
            yield return Invariant($"{path}:OveragePerUnits: must be positive, was {overagePerUnits}.");
        }

        switch (overageAmountCents.HasValue, overagePerUnits.HasValue)
        {
            case (true, false):
                yield return $"{path}:OveragePerUnits: is required when OverageAmountCents is set.";
                break;
            case (false, true):
                yield return $"{path}:OverageAmountCents: is required when OveragePerUnits is set.";
                break;
            case (false, false) when cap == CapMode.Soft:
                yield return $"{path}: a soft cap needs an overage price (OverageAmountCents and OveragePerUnits).";
                break;
        }
    }

    /// <summary>Every rule that applies to an already built plan (used for plans produced by overrides).</summary>
    public static List<string> CheckPlan(Plan plan, string path)
    {
        var errors = CheckPlanFields(path, plan.Name, plan.BasePriceCents, plan.PaymentGraceDays)
            .Concat(CheckCoverage(path, plan.Quotas.Keys))
            .Concat(CheckIngestionBudget(path, plan.IngestionBudget))
            .ToList();
        foreach (var (metric, quota) in plan.Quotas.OrderBy(entry => entry.Key))
        {
            if (!Enum.IsDefined(metric))
            {
                errors.Add(UnknownMetric(path, metric.ToString()));
                continue;
            }

            var quotaPath = $"{path}:Quotas:{metric.ToKey()}";
            if (quota.Metric != metric)
            {
                errors.Add($"{quotaPath}: holds the quota of another metric ({quota.Metric}).");
                continue;
            }

            CapMode? cap = Enum.IsDefined(quota.Cap) ? quota.Cap : null;
            if (cap is null)
            {
                errors.Add(InvalidCap(quotaPath, quota.Cap.ToString()));
            }

            errors.AddRange(CheckQuota(
                quotaPath, quota.Included, cap, quota.GracePercent, quota.Overage?.AmountCents, quota.Overage?.PerUnits));
        }

        return errors;
    }

    [GeneratedRegex("^[a-z]{3}$")]
    private static partial Regex CurrencyCode();
}
