using Billing.Domain.Catalog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Infrastructure.Catalog;

/// <summary>Loads the plan catalog from <c>catalog.json</c> (overridable by any configuration source) and validates it at start-up.</summary>
public static class CatalogRegistration
{
    public const string SectionName = "Catalog";
    public const string FileName = "catalog.json";

    /// <summary>
    /// Registers the validated <see cref="BillingCatalog"/> singleton. An invalid catalog stops the
    /// service at start-up with every problem listed, rather than mis-billing later.
    /// </summary>
    public static IHostApplicationBuilder AddBillingCatalog(this IHostApplicationBuilder builder)
    {
        // Lowest priority: environment variables and other sources can override single values.
        builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = FileName,
            Optional = false,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
        });
        var catalog = Load(builder.Configuration);
        builder.Services.AddSingleton(catalog);
        return builder;
    }

    /// <summary>Binds and validates the <c>Catalog</c> section.</summary>
    public static BillingCatalog Load(IConfiguration configuration)
    {
        var options = configuration.GetSection(SectionName).Get<CatalogOptions>()
            ?? throw new InvalidOperationException($"The '{SectionName}' configuration section is missing.");
        return BillingCatalog.Create(options);
    }
}
