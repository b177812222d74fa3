using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.LoadGen;

/// <summary>Runs the generator for the life of the process and logs what the API accepted, every <see cref="LoadGenOptions.LogInterval"/>.</summary>
public sealed class LoadGenService(IOptions<LoadGenOptions> options, ILogger<LoadGenService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var http = LoadGenerator.CreateClient(options.Value);
        var generator = new LoadGenerator(http, options.Value);
        logger.LogInformation("Sending demo traffic to {Api} at {Rate} requests/s", http.BaseAddress, options.Value.RequestsPerSecond);
        var run = generator.RunAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.LogInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                logger.LogInformation("Demo traffic so far: {Summary}", generator.Report.Summary());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await run;
        logger.LogInformation("Demo traffic stopped: {Summary}", generator.Report.Summary());
    }
}
