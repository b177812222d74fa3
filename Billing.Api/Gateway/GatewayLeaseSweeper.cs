using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Options;

namespace Billing.Api.Gateway;

/// <summary>
/// Closes the leases whose gateway never sent its final report (killed, cut off) once their lifetime and grace have
/// passed: what was reported stays recorded, the units granted and not reported go back to the counters. Every replica
/// sweeps; closing is one atomic step, so a lease is given back once whoever closes it.
/// </summary>
internal sealed class GatewayLeaseSweeper(GatewayLeases leases, IOptions<GatewayOptions> options, ILogger<GatewayLeaseSweeper> logger) : BackgroundService
{
    private const int LeasesPerRound = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.Leases.SweepIntervalMilliseconds));
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await leases.CloseExpiredAsync(LeasesPerRound) == LeasesPerRound && !stoppingToken.IsCancellationRequested)
                {
                }

                failing = false;
            }
            catch (Exception e) when (RedisFailures.IsUnavailable(e) || e is Billing.Infrastructure.Metering.UsageStoreUnavailableException)
            {
                // Tried again next round; logged once per outage.
                if (!failing)
                {
                    logger.LogWarning(e, "Expired gateway leases could not be closed; trying again every round");
                }

                failing = true;
            }
        }
    }
}
