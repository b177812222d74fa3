using Billing.Domain.Catalog;

namespace Billing.Api.Tenants;

/// <summary>
/// Turns an overrides body into the Domain's <see cref="TenantOverrides"/>, with errors keyed like the body
/// (<c>quotas.api_calls.cap</c>). The overrides follow the tenant across plan changes, so they must make a valid plan
/// of every tier, checked by the catalog's own rules.
/// </summary>
internal static class TenantOverridesValidation
{
    public static TenantOverrides? Read(TenantOverridesBody body, BillingCatalog catalog, Dictionary<string, string[]> errors)
    {
        var quotas = new Dictionary<Metric, QuotaOverride>();
        foreach (var (key, quota) in body.Quotas ?? new Dictionary<string, QuotaOverrideBody?>())
        {
            var path = $"quotas.{key}";
            if (!MetricKeys.TryParse(key, out var metric))
            {
                errors[path] = [$"Unknown metric; expected one of {string.Join(", ", MetricKeys.All.Select(m => m.ToKey()))}."];
            }
            else if (quota is null)
            {
                errors[path] = ["Give the parts of the quota to replace, or leave the metric out."];
            }
            else if (quotas.ContainsKey(metric))
            {
                errors[path] = [$"Repeats the metric {metric.ToKey()}."];
            }
            else if (Read(quota, path, errors) is { } change)
            {
                quotas[metric] = change;
            }
        }

        var budget = body.IngestionBudget is { EventsPerSecond: not null } or { Burst: not null }
            ? new IngestionBudgetOverride(body.IngestionBudget.EventsPerSecond, body.IngestionBudget.Burst)
            : null;
        var overrides = new TenantOverrides(body.BasePriceCents, quotas, budget);
        if (errors.Count == 0)
        {
            CheckEveryTier(overrides, catalog, errors);
        }

        return errors.Count == 0 && (overrides.BasePriceCents is not null || quotas.Count > 0 || budget is not null) ? overrides : null;
    }

    private static QuotaOverride? Read(QuotaOverrideBody quota, string path, Dictionary<string, string[]> errors)
    {
        CapMode? cap = CapModes.TryParse(quota.Cap, out var parsed) ? parsed : null;
        if (quota.Cap is not null && cap is null)
        {
            errors[$"{path}.cap"] = [$"Must be \"hard\" or \"soft\", was \"{quota.Cap}\"."];
            return null;
        }

        switch (quota.OverageAmountCents, quota.OveragePerUnits)
        {
            case (null, null):
                return new QuotaOverride(quota.Included, cap, quota.GracePercent, null);
            case ({ } amount, { } perUnits):
                return new QuotaOverride(quota.Included, cap, quota.GracePercent, new OveragePrice(amount, perUnits));
            case (null, _):
                errors[$"{path}.overageAmountCents"] = ["Is required with overagePerUnits: an overage price is both or neither."];
                return null;
            default:
                errors[$"{path}.overagePerUnits"] = ["Is required with overageAmountCents: an overage price is both or neither."];
                return null;
        }
    }

    /// <summary>The catalog's rules, on the plan of each tier; an error found on some tiers only names them.</summary>
    private static void CheckEveryTier(TenantOverrides overrides, BillingCatalog catalog, Dictionary<string, string[]> errors)
    {
        var found = new List<(string Key, string Message, PlanTier Tier)>();
        foreach (var tier in PlanTiers.All)
        {
            try
            {
                _ = catalog.PlanFor(tier, overrides);
            }
            catch (CatalogValidationException e)
            {
                found.AddRange(e.Errors.Select(error => Locate(error, tier)));
            }
        }

        foreach (var byKey in found.GroupBy(f => f.Key))
        {
            errors[byKey.Key] = [.. byKey.GroupBy(f => f.Message).Select(byMessage => byMessage.Count() == PlanTiers.All.Count
                ? $"{byMessage.Key}."
                : $"{byMessage.Key}, on the {string.Join(" and ", byMessage.Select(f => f.Tier.ToKey()))} plan: overrides apply to whichever plan the tenant is on.")];
        }
    }

    /// <summary>"Overrides:free:Quotas:api_calls:Included: must not be negative" → ("quotas.api_calls.included", "Must not be negative").</summary>
    private static (string Key, string Message, PlanTier Tier) Locate(string error, PlanTier tier)
    {
        var prefix = $"Overrides:{tier.ToKey()}:";
        var rest = error.StartsWith(prefix, StringComparison.Ordinal) ? error[prefix.Length..] : error;
        var split = rest.IndexOf(": ", StringComparison.Ordinal);
        var (path, message) = split < 0 ? ("overrides", rest) : (rest[..split], rest[(split + 2)..]);
        // Configuration names are PascalCase, metric keys lowercase: camelCase each segment to match the body.
        var key = string.Join('.', path.Split(':').Select(segment => char.ToLowerInvariant(segment[0]) + segment[1..]));
        message = message.Replace("OverageAmountCents", "overageAmountCents", StringComparison.Ordinal)
            .Replace("OveragePerUnits", "overagePerUnits", StringComparison.Ordinal);
        return (key, char.ToUpperInvariant(message[0]) + message[1..].TrimEnd('.'), tier);
    }
}
