using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.MigrationService;

/// <summary>
/// With <c>--wait-for-schema=true</c>: waits until the database holds every migration this build knows, then stops
/// the process with exit code 0. A service's pod runs it as an init container with the service's own login, so the
/// API and worker start only on the schema they were built for, once the migrations Job has applied it.
/// </summary>
public sealed class SchemaWaitWorker(
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<SchemaWaitWorker> logger) : BackgroundService
{
    public const string SwitchName = "wait-for-schema";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
                var pending = (await db.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();
                if (pending.Count == 0)
                {
                    logger.LogInformation("The schema is current");
                    lifetime.StopApplication();
                    return;
                }

                logger.LogInformation("Waiting for {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may not accept connections yet; the pod waits rather than fails.
                logger.LogWarning("The database cannot be asked yet: {Message}", e.Message);
            }

            await Task.Delay(PollInterval, stoppingToken);
        }
    }
}
