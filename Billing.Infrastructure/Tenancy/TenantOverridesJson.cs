using System.Text.Json;
using System.Text.Json.Serialization;
using Billing.Domain.Catalog;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// <c>tenants.overrides</c> (jsonb): <c>{ "basePriceCents", "quotas": { "api_calls": { "included", "cap",
/// "gracePercent", "overageAmountCents", "overagePerUnits" } }, "ingestionBudget": { "eventsPerSecond", "burst" } }</c>,
/// absent fields keeping the plan's values.
/// </summary>
public static class TenantOverridesJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record Document(long? BasePriceCents, Dictionary<string, QuotaDocument>? Quotas, BudgetDocument? IngestionBudget);

    private sealed record BudgetDocument(int? EventsPerSecond, int? Burst);

    private sealed record QuotaDocument(long? Included, string? Cap, decimal? GracePercent, decimal? OverageAmountCents, long? OveragePerUnits);

    /// <summary>
    /// The plan of <paramref name="tier"/> with the stored overrides. They were valid for every plan when set; if they no
    /// longer are (the catalog changed since, or the column was edited by hand) the catalog plan applies and
    /// <c>Error</c> says why: refusing every request of the tenant would be worse than enforcing its list quotas.
    /// </summary>
    public static (Plan Plan, TenantOverrides? Applied, Exception? Error) Apply(BillingCatalog catalog, PlanTier tier, string? stored)
    {
        try
        {
            var overrides = Parse(stored);
            return (catalog.PlanFor(tier, overrides), overrides, null);
        }
        catch (Exception e) when (e is FormatException or CatalogValidationException)
        {
            return (catalog.Plan(tier), null, e);
        }
    }

    /// <summary>The column's value; null when there is nothing to override.</summary>
    public static string? Serialize(TenantOverrides? overrides) =>
        overrides is null || (overrides.BasePriceCents is null && overrides.Quotas.Count == 0 && overrides.IngestionBudget is null)
            ? null
            : JsonSerializer.Serialize(new Document(overrides.BasePriceCents, overrides.Quotas.OrderBy(q => q.Key).ToDictionary(
                q => q.Key.ToKey(),
                q => new QuotaDocument(q.Value.Included, q.Value.Cap?.ToKey(), q.Value.GracePercent, q.Value.Overage?.AmountCents, q.Value.Overage?.PerUnits)),
                overrides.IngestionBudget is { } budget ? new BudgetDocument(budget.EventsPerSecond, budget.Burst) : null),
                Options);

    /// <summary>The overrides stored in the column; null when there are none.</summary>
    /// <exception cref="FormatException">The column holds something that is not a valid overrides document.</exception>
    public static TenantOverrides? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        Document document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, Options) ?? throw new FormatException("The overrides are JSON null.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"The overrides are not a valid document: {e.Message}", e);
        }

        var quotas = new Dictionary<Metric, QuotaOverride>();
        foreach (var (key, quota) in document.Quotas ?? [])
        {
            if (!MetricKeys.TryParse(key, out var metric) || quota is null || !quotas.TryAdd(metric, ToDomain(key, quota)))
            {
                throw new FormatException($"The overrides hold an unknown, empty or repeated metric '{key}'.");
            }
        }

        return new TenantOverrides(document.BasePriceCents, quotas,
            document.IngestionBudget is { } budget ? new IngestionBudgetOverride(budget.EventsPerSecond, budget.Burst) : null);
    }

    private static QuotaOverride ToDomain(string key, QuotaDocument quota)
    {
        CapMode? cap = null;
        if (quota.Cap is not null)
        {
            cap = CapModes.TryParse(quota.Cap, out var parsed) ? parsed : throw new FormatException($"The overrides of '{key}' hold an unknown cap '{quota.Cap}'.");
        }

        var overage = (quota.OverageAmountCents, quota.OveragePerUnits) switch
        {
            (null, null) => null,
            ({ } amount, { } perUnits) => new OveragePrice(amount, perUnits),
            _ => throw new FormatException($"The overrides of '{key}' hold half an overage price."),
        };
        return new QuotaOverride(quota.Included, cap, quota.GracePercent, overage);
    }
}
