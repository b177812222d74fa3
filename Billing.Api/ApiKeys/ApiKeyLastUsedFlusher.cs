using Billing.Infrastructure.Data;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Api.ApiKeys;

/// <summary>
/// Writes <see cref="ApiKeyLastUsedBuffer"/> to <c>api_keys.last_used_at</c> every <see cref="ApiKeyOptions.LastUsedFlushSeconds"/>
/// and when the API stops: one statement per tenant, under that tenant's row-level security like its own requests.
/// </summary>
public sealed class ApiKeyLastUsedFlusher(
    ApiKeyLastUsedBuffer buffer, IServiceScopeFactory scopes, IOptions<ApiKeyOptions> options, ILogger<ApiKeyLastUsedFlusher> logger)
    : BackgroundService
{
    // One write at a time. A host stopped from outside is stopped twice at once (the caller's StopAsync, and the one
    // app.Run makes when it sees the stopping signal, which then disposes the host): without this, the stop that took
    // nothing returned at once and the host's services were disposed under the write of the stop that took the uses.
    private readonly SemaphoreSlim _flushing = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.LastUsedFlushSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Its own bound, not the host's token: the other services' stops may have spent the host's shutdown time, and a
        // write cancelled here would drop every use noted since the last flush.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await FlushAsync(bound.Token);
    }

    /// <summary>Writes every last use noted so far. A failed write is logged and its uses are dropped (the next use notes them again).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            await WriteAsync(buffer.Take(), cancellationToken);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task WriteAsync(ILookup<Guid, (Guid KeyId, DateTimeOffset At)> uses, CancellationToken cancellationToken)
    {
        if (uses.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
            foreach (var tenant in uses)
            {
                var ids = tenant.Select(u => u.KeyId).ToArray();
                var ats = tenant.Select(u => u.At).ToArray();
                using (TenantScope.Enter(tenant.Key))
                {
                    // Never moves a key's last use back (another replica may have written a later one).
                    await db.Database.ExecuteSqlAsync($"""
                        UPDATE api_keys AS k SET last_used_at = v.at
                        FROM unnest({ids}::uuid[], {ats}::timestamptz[]) AS v(id, at)
                        WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)
                        """, cancellationToken);
                }
            }
        }
        // ObjectDisposedException: a host torn down without a graceful stop (a test server disposed mid-stop) has no database left.
        catch (Exception e) when (e is DbUpdateException or Npgsql.NpgsqlException or TimeoutException or ObjectDisposedException)
        {
            logger.LogWarning(e, "Could not write the last use of {Count} API keys", uses.Sum(t => t.Count()));
        }
    }
}
