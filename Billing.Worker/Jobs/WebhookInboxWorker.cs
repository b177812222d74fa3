using Billing.Infrastructure.Stripe;

namespace Billing.Worker.Jobs;

/// <summary>
/// Drains the Stripe webhook inbox continuously (a Hangfire minute would be too slow for a tenant
/// waiting to see their new plan); several workers may run, each event goes to exactly one.
/// </summary>
public sealed class WebhookInboxWorker(IServiceScopeFactory scopes, ILogger<WebhookInboxWorker> logger) : BackgroundService
{
    private static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (!await scope.ServiceProvider.GetRequiredService<WebhookProcessor>().ProcessNextAsync(stoppingToken))
                {
                    await Task.Delay(IdleDelay, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is unreachable or similar: wait and try again, the events stay in the inbox.
                logger.LogError(e, "Webhook inbox unavailable");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }
}
