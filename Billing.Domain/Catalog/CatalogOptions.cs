namespace Billing.Domain.Catalog;

/// <summary>
/// The catalog as configuration (the <c>Catalog</c> section of <c>catalog.json</c>), bound by
/// Microsoft.Extensions.Configuration or System.Text.Json and turned into a <see cref="BillingCatalog"/>
/// by <see cref="BillingCatalog.Create"/>, which validates it.
/// </summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    public string Currency { get; set; } = string.Empty;

    /// <summary>Plans by tier key (<c>free</c>, <c>standard</c>, <c>enterprise</c>; case-insensitive).</summary>
    public Dictionary<string, PlanOptions> Plans { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
