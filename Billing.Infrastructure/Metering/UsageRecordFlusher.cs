using Billing.Infrastructure.Quotas;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Flushes the <see cref="UsageRecordBuffer"/> every <see cref="UsageBufferOptions.FlushIntervalMs"/>, or at once when a
/// full batch waits, and once more at a graceful stop, so a stopping replica loses nothing it buffered.
/// </summary>
public sealed class UsageRecordFlusher(
    UsageRecordBuffer buffer,
    UsageViews views,
    IOptions<UsageBufferOptions> options,
    ILogger<UsageRecordFlusher> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!buffer.Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromMilliseconds(Math.Max(1, options.Value.FlushIntervalMs));
        var idle = TimeSpan.FromMilliseconds(Math.Max(SweepInterval.TotalMilliseconds, 10.0 * options.Value.ViewMaxAgeMs));
        var nextSweep = DateTime.UtcNow + SweepInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await buffer.WaitAsync(interval, stoppingToken);
                if (!await buffer.FlushAsync())
                {
                    await Task.Delay(options.Value.RetryDelayMs, stoppingToken);
                }

                if (DateTime.UtcNow >= nextSweep)
                {
                    views.Sweep(idle);
                    nextSweep = DateTime.UtcNow + SweepInterval;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Nothing here may stop the API: what was not sent stays buffered for the next flush.
                logger.LogError(e, "Flushing buffered usage failed unexpectedly");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (buffer.Enabled && !await buffer.FlushAsync())
        {
            logger.LogError("Stopping with {Count} usage events that neither Redis nor PostgreSQL took: they are lost", buffer.Count);
        }
    }
}
