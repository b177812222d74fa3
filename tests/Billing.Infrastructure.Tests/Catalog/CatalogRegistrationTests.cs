using Billing.Domain.Catalog;
using Billing.Infrastructure.Catalog;
using Microsoft.Extensions.Configuration;

namespace Billing.Infrastructure.Tests.Catalog;

/// <summary>The shipped catalog.json loads through configuration, and configuration can override it.</summary>
public sealed class CatalogRegistrationTests
{
    private static IConfigurationBuilder Shipped() =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, CatalogRegistration.FileName));

    [Fact]
    public void The_shipped_catalog_is_valid()
    {
        var catalog = CatalogRegistration.Load(Shipped().Build());

        Assert.Equal("usd", catalog.Currency);
        Assert.Equal(9900, catalog.Plan(PlanTier.Standard).BasePriceCents);
        Assert.Equal(14, catalog.Plan(PlanTier.Enterprise).PaymentGraceDays);
    }

    [Fact]
    public void A_configuration_source_overrides_one_value()
    {
        var configuration = Shipped()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:Plans:standard:Quotas:api_calls:Included"] = "2000000" })
            .Build();

        var catalog = CatalogRegistration.Load(configuration);

        Assert.Equal(2_000_000, catalog.Plan(PlanTier.Standard).Quota(Metric.ApiCalls).Included);
    }

    [Fact]
    public void An_invalid_override_stops_start_up_with_the_reason()
    {
        var configuration = Shipped()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:Plans:free:Quotas:llm_tokens:Included"] = "-5" })
            .Build();

        var error = Assert.Throws<CatalogValidationException>(() => CatalogRegistration.Load(configuration));

        Assert.Contains(error.Errors, e => e.Contains("llm_tokens", StringComparison.Ordinal));
    }
}
