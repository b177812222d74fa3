namespace Billing.Domain.Catalog;

/// <summary>The validated plans, all priced in one currency.</summary>
public sealed record BillingCatalog(string Currency, IReadOnlyDictionary<PlanTier, Plan> Plans)
{
    /// <summary>Builds the catalog from configuration, checking every rule.</summary>
    /// <exception cref="CatalogValidationException">Lists every problem found, not just the first.</exception>
    public static BillingCatalog Create(CatalogOptions options) => CatalogOptionsReader.Read(options);

    /// <exception cref="InvalidOperationException">The catalog has no such plan (only possible for unvalidated catalogs).</exception>
    public Plan Plan(PlanTier tier) =>
        Plans.TryGetValue(tier, out var plan)
            ? plan
            : throw new InvalidOperationException($"The catalog has no {tier} plan.");

    /// <summary>The plan of <paramref name="tier"/> with a tenant's overrides applied.</summary>
    /// <exception cref="CatalogValidationException">The overrides produce an invalid plan.</exception>
    public Plan PlanFor(PlanTier tier, TenantOverrides? overrides) => Plan(tier).WithOverrides(overrides);
}
