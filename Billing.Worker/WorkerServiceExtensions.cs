using Billing.Infrastructure;
using Billing.Infrastructure.Alerts;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Submission;
using Billing.Infrastructure.Tenancy;
using Billing.Worker.Dashboard;
using Billing.Worker.Health;
using Billing.Worker.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;

namespace Billing.Worker;

/// <summary>Hangfire on PostgreSQL storage, the jobs, and the worker's health checks.</summary>
public static class WorkerServiceExtensions
{
    /// <summary>Registers the jobs and what they need, Hangfire (client, server, storage in schema <c>hangfire</c>, prepared by the migration service) and the inbox worker.</summary>
    public static WebApplicationBuilder AddWorkerServices(this WebApplicationBuilder builder)
    {
        builder.AddWorkerJobs();
        var connectionString = InfrastructureRegistration.DatabaseConnectionString(builder.Configuration);

        builder.Services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(options => options.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = HangfireStorage.Schema,
                // The migration service creates and upgrades the schema as its owner; the worker's login may only use it.
                PrepareSchemaIfNecessary = false,
                // The default 15 s poll would leave enqueued work (webhooks, first heartbeat) waiting.
                QueuePollInterval = TimeSpan.FromSeconds(1),
            }));
        builder.Services.AddHangfireServer(options => options.WorkerCount = Math.Max(4, Environment.ProcessorCount * 2));
        builder.Services.AddHostedService<WebhookInboxWorker>();
        builder.Services.AddHealthChecks().AddCheck<HeartbeatHealthCheck>("heartbeat").AddCheck<HeldUsageHealthCheck>("held-usage");
        builder.Services.Configure<HangfireDashboardOptions>(builder.Configuration.GetSection(HangfireDashboardOptions.SectionName));
        builder.AddHttpSecurity();
        builder.AddDashboardAuthentication();
        builder.AddSharedKeyRing();
        return builder;
    }

    /// <summary>The recurring jobs and the infrastructure they use, without a Hangfire server (tests run the jobs themselves).</summary>
    public static IHostApplicationBuilder AddWorkerJobs(this IHostApplicationBuilder builder)
    {
        builder.AddBillingDatabase();
        builder.AddBillingCache();
        builder.AddBillingStripe();
        builder.AddBillingSubmission();
        builder.AddBillingAlerts();
        builder.Services.AddSingleton<ExclusiveRun>();
        builder.Services.AddScoped<HeartbeatJob>();
        builder.Services.AddScoped<AggregateUsageJob>();
        builder.Services.AddOptions<AggregationOptions>().Bind(builder.Configuration.GetSection(AggregationOptions.SectionName))
            .Validate(o => o.Lanes is >= 1 and <= TenantLane.MaxCount, $"Aggregation:Lanes must be from 1 to {TenantLane.MaxCount}.")
            .ValidateOnStart();
        builder.Services.AddScoped<SubmitUsageJob>();
        builder.Services.AddOptions<SubmissionOptions>()
            .Validate(o => o.Lanes is >= 1 and <= TenantLane.MaxCount, $"Submission:Lanes must be from 1 to {TenantLane.MaxCount}.")
            .ValidateOnStart();
        builder.Services.AddScoped<ReconcileUsageJob>();
        builder.Services.AddScoped<DetectAlertsJob>();
        builder.Services.AddScoped<DeliverAlertsJob>();
        builder.Services.AddScoped<ExpireEventIdsJob>();
        builder.Services.AddOptions<EventIdRetentionOptions>().Bind(builder.Configuration.GetSection(EventIdRetentionOptions.SectionName))
            .Validate(o => o.EventIdRetentionDays >= EventIdRetentionOptions.MinimumDays,
                $"Usage:EventIdRetentionDays must be at least {EventIdRetentionOptions.MinimumDays}: an event id must deduplicate for as long as an event may be sent with its timestamp.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AggregationMetrics>();
        return builder;
    }

    /// <summary>
    /// The Hangfire dashboard at <c>/hangfire</c>. In Development: local requests only, with every action (Hangfire's
    /// default). Elsewhere: the operator signed in (<c>/sign-in</c>) or sending the operator key as a bearer, and
    /// read-only unless <c>HangfireDashboard:AllowWrites</c> is set.
    /// </summary>
    public static WebApplication MapWorkerDashboard(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapHangfireDashboard("/hangfire");
            return app;
        }

        var allowWrites = app.Services.GetRequiredService<IOptions<HangfireDashboardOptions>>().Value.AllowWrites;
        app.MapDashboardSignIn();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            // The endpoint's policy decides who gets in; Hangfire's local-only filter would let everyone behind a proxy in.
            Authorization = [],
            IsReadOnlyFunc = _ => !allowWrites,
        }).RequireAuthorization(DashboardAuthentication.Policy);
        return app;
    }

    /// <summary>Schedules the recurring jobs, and runs the heartbeat once now so health is known at once.</summary>
    public static WebApplication ScheduleRecurringJobs(this WebApplication app)
    {
        var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<HeartbeatJob>(HeartbeatJob.Name, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        var storage = app.Services.GetRequiredService<JobStorage>();
        LaneSchedule.Schedule<AggregateUsageJob>(recurring, storage, AggregateUsageJob.Name, AggregateUsageJob.LaneName, Cron.Minutely(),
            app.Services.GetRequiredService<IOptions<AggregationOptions>>().Value.Lanes,
            job => job.RunAsync(CancellationToken.None), lane => job => job.RunLaneAsync(lane, CancellationToken.None));
        LaneSchedule.Schedule<SubmitUsageJob>(recurring, storage, SubmitUsageJob.Name, SubmitUsageJob.LaneName, "*/5 * * * *",
            app.Services.GetRequiredService<IOptions<SubmissionOptions>>().Value.Lanes,
            job => job.RunAsync(CancellationToken.None), lane => job => job.RunLaneAsync(lane, CancellationToken.None));
        recurring.AddOrUpdate<ReconcileUsageJob>(ReconcileUsageJob.Name, job => job.RunAsync(CancellationToken.None), ReconcileUsageJob.Schedule);
        recurring.AddOrUpdate<DetectAlertsJob>(DetectAlertsJob.Name, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<DeliverAlertsJob>(DeliverAlertsJob.Name, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<ExpireEventIdsJob>(ExpireEventIdsJob.Name, job => job.RunAsync(CancellationToken.None), Cron.Hourly());
        app.Lifetime.ApplicationStarted.Register(() => recurring.Trigger(HeartbeatJob.Name));
        return app;
    }
}
