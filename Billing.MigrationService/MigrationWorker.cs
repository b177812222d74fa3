using System.Diagnostics;
using Billing.Infrastructure;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.MigrationService;

/// <summary>
/// Provisions the database logins when given an admin connection, applies migrations and prepares Hangfire's schema
/// (as the owner), seeds the demo tenant in Development, syncs the Stripe catalog when Stripe is configured, then
/// stops the process (exit code 0 on success). With <c>--sync-catalog</c> only the catalog sync runs: the on-demand
/// form for operators after a price change.
/// </summary>
public sealed class MigrationWorker(
    IServiceProvider services,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    ILogger<MigrationWorker> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("Billing.Migrations");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = ActivitySource.StartActivity("Migrating database", ActivityKind.Client);
        try
        {
            await using var scope = services.CreateAsyncScope();
            var catalogOnly = configuration.GetValue<bool>("sync-catalog");
            if (!catalogOnly)
            {
                await MigrateAsync(scope.ServiceProvider, stoppingToken);
            }

            if (scope.ServiceProvider.GetRequiredService<IOptions<StripeOptions>>().Value.Enabled)
            {
                var result = await scope.ServiceProvider.GetRequiredService<CatalogSync>().RunAsync(stoppingToken);
                logger.LogInformation("Stripe catalog synced: {ProductsCreated} product(s), {MetersCreated} meter(s), {PricesCreated} price(s) created, {Unchanged} unchanged",
                    result.ProductsCreated, result.MetersCreated, result.PricesCreated, result.Unchanged);
                if (environment.IsDevelopment() && !catalogOnly)
                {
                    await AttachDemoSubscriptionAsync(scope.ServiceProvider, stoppingToken);
                }
            }
            else
            {
                logger.LogWarning("No Stripe secret key configured: the Stripe catalog was not synced");
            }
        }
        catch (Exception e)
        {
            activity?.AddException(e);
            logger.LogError(e, "Migration failed");
            // A non-zero exit keeps the API and worker (WaitForCompletion) from starting on a broken schema.
            Environment.ExitCode = 1;
        }

        if (Environment.ExitCode == 0 && configuration.GetValue<bool>("Migrations:KeepRunningWhenDone"))
        {
            // Where every exit is followed by a restart (a container app), idling is how "done" is said.
            logger.LogInformation("Done; idling until stopped (Migrations:KeepRunningWhenDone)");
            return;
        }

        lifetime.StopApplication();
    }

    /// <summary>
    /// The demo tenant is billed like any other: it gets its Stripe subscription once the catalog exists, paid with
    /// Stripe's test Visa (test keys only: a live account gets no test card, and the demo then stays unsubscribed).
    /// </summary>
    private async Task AttachDemoSubscriptionAsync(IServiceProvider provider, CancellationToken stoppingToken)
    {
        if (provider.GetRequiredService<IOptions<StripeOptions>>().Value.SecretKey?.StartsWith("sk_test_", StringComparison.Ordinal) == true)
        {
            await provider.GetRequiredService<StripePaymentMethods>().AttachTestCardAsync(DemoTenantSeeder.DemoTenantId, stoppingToken);
        }

        try
        {
            await provider.GetRequiredService<StripeSubscriptions>().AttachAsync(DemoTenantSeeder.DemoTenantId, stoppingToken);
        }
        catch (PaymentRequiredException e)
        {
            logger.LogWarning("The demo tenant was not subscribed in Stripe: {Reason}", e.Message);
        }
    }

    private async Task MigrateAsync(IServiceProvider provider, CancellationToken stoppingToken)
    {
        await provider.GetRequiredService<LoginProvisioning>().RunIfConfiguredAsync(stoppingToken);
        var db = provider.GetRequiredService<BillingDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();
        await db.Database.MigrateAsync(stoppingToken);
        logger.LogInformation("Applied {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        await HangfireSchema.PrepareAsync(InfrastructureRegistration.DatabaseConnectionString(configuration, InfrastructureRegistration.OwnerConnectionName), stoppingToken);
        if (environment.IsDevelopment())
        {
            await provider.GetRequiredService<DemoTenantSeeder>().SeedAsync(stoppingToken);
        }
    }
}
