using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Infrastructure.Submission;

/// <summary>
/// Compares each tenant's accepted usage with what Stripe's meters have counted for the same billing period,
/// up to one bucket behind the submission cutoff (so a healthy pipeline has had a full run to send it). A
/// difference while events or submissions are still in flight is <c>settling</c>; with nothing in flight it is
/// <c>drift</c>, which the operator lists and the <c>billing.reconciliation.drift</c> gauge shows.
/// </summary>
public sealed class MeterReconciler(
    NpgsqlDataSource dataSource,
    TenantBillingStore billing,
    StripeCatalogIds catalogIds,
    MeterSummaries summaries,
    SubmissionMetrics metrics,
    IOptions<SubmissionOptions> options,
    ILogger<MeterReconciler> logger)
{
    public sealed record Result(int Compared, int Drifting);

    public async Task<Result> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var until = MeterBuckets.ClosedBefore(now, options.Value.Settle) - MeterBuckets.Length;
        var meters = await catalogIds.MetersAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var compared = 0;
        foreach (var (tenantId, customer) in await CustomersAsync(connection, cancellationToken))
        {
            if (await billing.GetAsync(tenantId, cancellationToken) is not { } tenant)
            {
                continue;
            }

            var periods = (await UnfinishedPeriodsAsync(connection, tenantId, until, cancellationToken)).Append(tenant.PeriodAt(until)).Distinct();
            foreach (var period in periods)
            {
                foreach (var definition in Metrics.All.Where(d => meters.ContainsKey(d.Key)))
                {
                    if (await CompareAsync(connection, tenantId, customer, meters[definition.Key], definition, period, until, now, cancellationToken) is { } row)
                    {
                        await SaveAsync(connection, row, cancellationToken);
                        compared++;
                    }
                }
            }
        }

        var (drift, rows) = await TotalDriftAsync(connection, cancellationToken);
        metrics.Drift(drift, rows);
        if (rows > 0)
        {
            logger.LogWarning("{Rows} (tenant, metric, period) totals differ from Stripe's meters by {Drift} units in all", rows, drift);
        }

        return new Result(compared, (int)rows);
    }

    private async Task<MeterReconciliation?> CompareAsync(
        NpgsqlConnection connection, Guid tenantId, string customer, string meterId, MetricDefinition definition, BillingPeriod period,
        DateTimeOffset until, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (MeterBuckets.StripeRange(period, until) is not { } range)
        {
            return null;
        }

        var localEnd = until >= period.End ? period.End : until;
        // Every accepted event of the range, aggregated or not: the truth the pipeline must carry to Stripe.
        var local = (await RangeValueQuery.ReadAsync(connection, null, tenantId, definition.Key, period.Start, localEnd,
            aggregatedOnly: false, cancellationToken)).Value;
        var submitted = await SubmittedAsync(connection, tenantId, definition, range.Start, range.End, cancellationToken);
        if (local is null && submitted is null)
        {
            return null;
        }

        var inFlight = await InFlightAsync(connection, tenantId, definition.Key, period.Start, localEnd, range, cancellationToken);
        var atStripe = await summaries.TotalAsync(meterId, customer, range.Start, range.End, cancellationToken);
        var drift = atStripe - (local ?? 0);
        return new MeterReconciliation
        {
            TenantId = tenantId,
            Metric = definition.Key,
            PeriodStart = period.Start,
            PeriodEnd = period.End,
            ComparedUntil = localEnd,
            LocalValue = local ?? 0,
            SubmittedValue = submitted ?? 0,
            StripeValue = atStripe,
            Drift = drift,
            InFlight = inFlight,
            Status = drift == 0 ? ReconciliationStatus.Ok : inFlight > 0 ? ReconciliationStatus.Settling : ReconciliationStatus.Drift,
            Final = until >= period.End && inFlight == 0,
            CheckedAt = now,
        };
    }

    private static async Task<List<(Guid TenantId, string Customer)>> CustomersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, stripe_customer_id FROM tenants WHERE stripe_customer_id IS NOT NULL ORDER BY id", connection);
        var customers = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            customers.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return customers;
    }

    /// <summary>Ended periods compared before they were complete: compared once more, in full.</summary>
    private static async Task<List<BillingPeriod>> UnfinishedPeriodsAsync(NpgsqlConnection connection, Guid tenantId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT period_start, period_end FROM meter_reconciliations WHERE tenant_id = @tenant AND NOT final AND period_end <= @until", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("until", until.UtcDateTime);
        var periods = new List<BillingPeriod>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            periods.Add(new BillingPeriod(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return periods;
    }

    /// <summary>What the ledger says Stripe has: the sum of sent counter events, or the latest sent gauge value.</summary>
    private static async Task<long?> SubmittedAsync(
        NpgsqlConnection connection, Guid tenantId, MetricDefinition definition, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var sql = definition.Aggregation == MetricAggregation.Sum
            ? "SELECT sum(value)::bigint FROM meter_submissions WHERE tenant_id = @tenant AND metric = @metric AND status = 'sent' AND event_timestamp >= @start AND event_timestamp < @end"
            : "SELECT value FROM meter_submissions WHERE tenant_id = @tenant AND metric = @metric AND status = 'sent' AND event_timestamp >= @start AND event_timestamp < @end ORDER BY event_timestamp DESC LIMIT 1";
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metric", definition.Key);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        return await command.ExecuteScalarAsync(cancellationToken) is long found ? found : null;
    }

    /// <summary>Events not yet aggregated, windows not yet closed and submissions not yet sent, in the compared range.</summary>
    private static async Task<int> InFlightAsync(
        NpgsqlConnection connection, Guid tenantId, string metric, DateTimeOffset start, DateTimeOffset end, (DateTimeOffset Start, DateTimeOffset End) range,
        CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT (SELECT count(*) FROM usage_events WHERE tenant_id = @tenant AND metric = @metric AND occurred_at >= @start AND occurred_at < @end AND aggregated_at IS NULL AND set_aside_at IS NULL)
                 + (SELECT count(*) FROM usage_aggregates WHERE tenant_id = @tenant AND metric = @metric AND submission_pending AND window_start >= @bucket AND window_start < @end)
                 + (SELECT count(*) FROM meter_submissions WHERE tenant_id = @tenant AND metric = @metric AND status = 'pending' AND event_timestamp >= @rangeStart AND event_timestamp < @rangeEnd)
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metric", metric);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        command.Parameters.AddWithValue("bucket", MeterBuckets.Floor(start).UtcDateTime);
        command.Parameters.AddWithValue("rangeStart", range.Start.UtcDateTime);
        command.Parameters.AddWithValue("rangeEnd", range.End.UtcDateTime);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task SaveAsync(NpgsqlConnection connection, MeterReconciliation row, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO meter_reconciliations (tenant_id, metric, period_start, period_end, compared_until, local_value, submitted_value, stripe_value, drift, in_flight, status, final, checked_at)
            VALUES (@tenant, @metric, @start, @end, @until, @local, @submitted, @stripe, @drift, @inFlight, @status, @final, @checked)
            ON CONFLICT (tenant_id, metric, period_start) DO UPDATE SET
                period_end = excluded.period_end, compared_until = excluded.compared_until, local_value = excluded.local_value,
                submitted_value = excluded.submitted_value, stripe_value = excluded.stripe_value, drift = excluded.drift,
                in_flight = excluded.in_flight, status = excluded.status, final = excluded.final, checked_at = excluded.checked_at
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", row.TenantId);
        command.Parameters.AddWithValue("metric", row.Metric);
        command.Parameters.AddWithValue("start", row.PeriodStart.UtcDateTime);
        command.Parameters.AddWithValue("end", row.PeriodEnd.UtcDateTime);
        command.Parameters.AddWithValue("until", row.ComparedUntil.UtcDateTime);
        command.Parameters.AddWithValue("local", row.LocalValue);
        command.Parameters.AddWithValue("submitted", row.SubmittedValue);
        command.Parameters.AddWithValue("stripe", row.StripeValue);
        command.Parameters.AddWithValue("drift", row.Drift);
        command.Parameters.AddWithValue("inFlight", row.InFlight);
        command.Parameters.AddWithValue("status", row.Status);
        command.Parameters.AddWithValue("final", row.Final);
        command.Parameters.AddWithValue("checked", row.CheckedAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<(long Drift, long Rows)> TotalDriftAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(abs(drift)), 0)::bigint, count(*) FROM meter_reconciliations WHERE status = 'drift'", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
