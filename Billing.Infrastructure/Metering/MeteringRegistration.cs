using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Infrastructure.Metering;

/// <summary>Usage ingestion (group commit), hot counters and current-usage reads.</summary>
public static class MeteringRegistration
{
    /// <summary>Registers the ingestion queue (as a hosted service), the Redis usage counters, their local views and the usage reader.</summary>
    public static IHostApplicationBuilder AddBillingMetering(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<IngestionOptions>(builder.Configuration.GetSection(IngestionOptions.SectionName));
        builder.Services.AddSingleton<IngestionMetrics>();
        builder.Services.AddSingleton(sp => new IngestionDataSource(InfrastructureRegistration.DatabaseConnectionString(sp.GetRequiredService<IConfiguration>())));
        builder.Services.AddSingleton<StaleCounters>();
        builder.Services.AddSingleton<UsageCounters>();
        builder.Services.AddSingleton<CurrentUsageReader>();
        builder.Services.AddSingleton<UsageIngestionQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageIngestionQueue>());
        builder.Services.AddMemoryCache();
        builder.Services.AddScoped<TenantBillingStore>();
        builder.Services.AddOptions<UsageBufferOptions>().Bind(builder.Configuration.GetSection(UsageBufferOptions.SectionName))
            .Validate(o => o.MaxEvents > 0, "UsageBuffer:MaxEvents must be a positive number of events.")
            .ValidateOnStart();
        builder.Services.AddSingleton<UsageViews>();
        builder.Services.Configure<QuotaFallbackOptions>(builder.Configuration.GetSection(QuotaFallbackOptions.SectionName));
        builder.Services.AddSingleton<DatabaseDecisionGate>();
        builder.Services.AddSingleton<QuotaLedger>();
        builder.Services.AddSingleton<Limits.TokenBuckets>();
        builder.Services.AddSingleton<IngestionAdmission>();
        builder.Services.AddHealthChecks().AddCheck<QuotaHealth>("redis");
        return builder;
    }
}
