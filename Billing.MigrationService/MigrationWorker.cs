using System.Diagnostics;
using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.MigrationService;

/// <summary>Applies migrations, seeds the demo tenant in Development, then stops the process (exit 0 on success).</summary>
public sealed class MigrationWorker(
    IServiceProvider services,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    ILogger<MigrationWorker> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("Billing.Migrations");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = ActivitySource.StartActivity("Migrating database", ActivityKind.Client);
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
            var pending = (await db.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();
            await db.Database.MigrateAsync(stoppingToken);
            logger.LogInformation("Applied {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));

            if (environment.IsDevelopment())
            {
                await scope.ServiceProvider.GetRequiredService<DemoTenantSeeder>().SeedAsync(stoppingToken);
            }
        }
        catch (Exception e)
        {
            activity?.AddException(e);
            logger.LogError(e, "Migration failed");
            // A non-zero exit keeps the API and worker (WaitForCompletion) from starting on a broken schema.
            Environment.ExitCode = 1;
        }

        lifetime.StopApplication();
    }
}
