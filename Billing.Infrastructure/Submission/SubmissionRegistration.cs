using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Billing.Infrastructure.Submission;

/// <summary>Submission of aggregated usage to Stripe's meters, and its reconciliation.</summary>
public static class SubmissionRegistration
{
    /// <summary>Registers the bucket closer, the sender, the reconciler and their telemetry (needs the database and Stripe).</summary>
    public static IHostApplicationBuilder AddBillingSubmission(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<SubmissionOptions>(builder.Configuration.GetSection(SubmissionOptions.SectionName));
        builder.Services.AddSingleton<SubmissionMetrics>();
        builder.Services.TryAddScoped<TenantBillingStore>();
        builder.Services.AddScoped<MeterSummaries>();
        builder.Services.AddScoped<MeterSubmissionCloser>();
        builder.Services.AddScoped<MeterSubmissionSender>();
        builder.Services.AddScoped<MeterReconciler>();
        return builder;
    }
}
