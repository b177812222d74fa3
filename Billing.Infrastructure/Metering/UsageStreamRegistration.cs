using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Infrastructure.Metering;

/// <summary>The usage stream between metered requests and PostgreSQL, for the API (which appends and drains).</summary>
public static class UsageStreamRegistration
{
    /// <summary>
    /// Registers the stream, the recorder metered requests use with its buffer, and the drainer and the buffer's flusher as hosted services. Call after
    /// <see cref="MeteringRegistration.AddBillingMetering"/>: hosted services stop in reverse order, so the drainer's
    /// last commit still finds the group commit running.
    /// </summary>
    public static IHostApplicationBuilder AddUsageStream(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UsageStreamOptions>().Bind(builder.Configuration.GetSection(UsageStreamOptions.SectionName))
            .Validate(o => o.MaxLength > 0, "UsageStream:MaxLength must be a positive number of entries.")
            .ValidateOnStart();
        builder.Services.AddSingleton<UsageStream>();
        builder.Services.AddSingleton<UsageStreamMetrics>();
        builder.Services.AddSingleton<MeteredUsageRecorder>();
        builder.Services.AddSingleton<UsageStreamDrainer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageStreamDrainer>());
        // After the drainer, so it stops first: its last flush still finds the stream's drainer and the group commit running.
        builder.Services.AddSingleton<UsageRecordBuffer>();
        builder.Services.AddSingleton<UsageRecordFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageRecordFlusher>());
        builder.Services.AddHealthChecks().AddCheck<UsageBacklogHealth>("usage-backlog");
        return builder;
    }
}
