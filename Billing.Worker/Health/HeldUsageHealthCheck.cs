using Billing.Domain.Metering;
using Billing.Infrastructure.Submission;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Worker.Health;

/// <summary>
/// Degraded while closed usage is held from Stripe because its tenant has a Stripe customer but no billing row: the
/// usage is kept, not lost, but nobody is billed for it until the operator restores the row.
/// </summary>
public sealed class HeldUsageHealthCheck(NpgsqlDataSource dataSource, IOptions<SubmissionOptions> options, TimeProvider clock) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var held = await HeldWindows.ReadAsync(connection, MeterBuckets.ClosedBefore(clock.GetUtcNow(), options.Value.Settle), cancellationToken);
        if (held.Count == 0)
        {
            return HealthCheckResult.Healthy("No closed usage is held.");
        }

        var data = held.Take(20).ToDictionary(t => t.TenantId.ToString(), t => (object)new { t.Windows, t.OldestWindow });
        return HealthCheckResult.Degraded(
            $"{held.Sum(t => t.Windows)} closed windows of {held.Count} tenants are not submitted to Stripe: the tenant has a Stripe customer but no subscription row.",
            data: data);
    }
}
