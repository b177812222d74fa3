using System.Text.Json;
using Billing.Domain.Catalog;

namespace Billing.Domain.Tests;

/// <summary>The catalog.json that ships with Billing.Infrastructure, read the way configuration would read it.</summary>
internal static class ShippedCatalog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static BillingCatalog Catalog { get; } = BillingCatalog.Create(Options());

    /// <summary>A fresh, mutable copy of the shipped options, for tests that break them.</summary>
    public static CatalogOptions Options()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "catalog.json")));
        return document.RootElement.GetProperty(CatalogOptions.SectionName).Deserialize<CatalogOptions>(Json)
            ?? throw new InvalidOperationException("catalog.json has no Catalog section.");
    }

    public static Plan Plan(PlanTier tier) => Catalog.Plan(tier);

    public static Quota Quota(PlanTier tier, Metric metric) => Catalog.Plan(tier).Quota(metric);
}
