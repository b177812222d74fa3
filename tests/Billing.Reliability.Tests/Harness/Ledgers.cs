using Billing.Domain.Metering;
using Billing.Reliability.Tests.Load;
using Npgsql;
using Stripe.Billing;

namespace Billing.Reliability.Tests.Harness;

/// <summary>One tenant's metric in one billing period, as each ledger holds it.</summary>
/// <param name="Period">The billing period (events by their own timestamps).</param>
/// <param name="Confirmed">Σ units the clients got a 2xx for.</param>
/// <param name="Uncertain">Σ units of requests whose answer the clients never got (they may or may not count).</param>
/// <param name="Events">Σ <c>usage_events</c>.</param>
/// <param name="Aggregates">
/// Σ <c>usage_aggregates</c>: the 1-minute windows that overlap the period, less the events in them that lie outside it
/// (a window the period's boundary cuts holds both periods' usage, and the submission cuts it the same way).
/// </param>
/// <param name="AtStripe">Σ the meter's event summaries for the customer at the emulator over the period's minute-aligned range.</param>
public sealed record LedgerLine(Guid Tenant, string Metric, BillingPeriod Period, long Confirmed, long Uncertain, long Events, long Aggregates, long AtStripe)
{
    /// <summary>Confirmed units no ledger holds.</summary>
    public long Lost => Math.Max(0, Confirmed - Events);

    /// <summary>Units counted beyond what the clients sent: more than confirmed plus everything that might have counted.</summary>
    public long Doubled => Math.Max(0, Events - Confirmed - Uncertain);

    public bool Agrees => Events == Aggregates && Aggregates == AtStripe;

    public override string ToString() =>
        $"{Tenant:N} {Metric} period {Period.Start:yyyy-MM-dd HH:mm:ss}–{Period.End:yyyy-MM-dd HH:mm:ss}: confirmed {Confirmed} (+{Uncertain} unanswered), usage_events {Events}, aggregates {Aggregates}, Stripe {AtStripe}";
}

/// <summary>Reads the three ledgers of every tenant, metric and billing period the load touched.</summary>
public static class Ledgers
{
    public static readonly string[] Metrics = ["api_calls", "llm_tokens", "agent_executions"];

    /// <summary>Every period of each tenant from its subscription's start up to <paramref name="until"/> (the system's clock).</summary>
    public static async Task<List<LedgerLine>> ReadAsync(ReliabilitySystem system, IReadOnlyList<LoadTenant> tenants, Tally tally, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var lines = new List<LedgerLine>();
        await using var connection = await system.OpenAsync(cancellationToken);
        foreach (var tenant in tenants)
        {
            for (var period = tenant.PeriodAt(tenant.Anchor); period.Start <= until; period = period.Next())
            {
                foreach (var metric in Metrics)
                {
                    var (events, aggregates, meter) = await LocalAsync(connection, tenant.Id, metric, period, cancellationToken);
                    var atStripe = await AtStripeAsync(system, meter, tenant.CustomerId, period, cancellationToken);
                    lines.Add(new LedgerLine(tenant.Id, metric, period, tally.ConfirmedOf(tenant.Id, metric, period.End),
                        tally.UncertainOf(tenant.Id, metric, period.End), events, aggregates, atStripe));
                }
            }
        }

        return lines;
    }

    /// <summary>Σ of the tenants' usage events, to see when the stream has been committed.</summary>
    public static async Task<long> EventsAsync(ReliabilitySystem system, IReadOnlyList<LoadTenant> tenants, CancellationToken cancellationToken)
    {
        await using var connection = await system.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(value), 0)::bigint FROM usage_events WHERE tenant_id = ANY(@t)", connection);
        command.Parameters.AddWithValue("t", tenants.Select(t => t.Id).ToArray());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<(long Events, long Aggregates, string Meter)> LocalAsync(NpgsqlConnection connection, Guid tenant, string metric, BillingPeriod period, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT coalesce(sum(value), 0) FROM usage_events
                    WHERE tenant_id = @t AND metric = @m AND occurred_at >= @s AND occurred_at < @e)::bigint,
                   (SELECT coalesce(sum(value), 0) FROM usage_aggregates
                    WHERE tenant_id = @t AND metric = @m AND window_start + interval '1 minute' > @s AND window_start < @e)::bigint
                 - (SELECT coalesce(sum(value), 0) FROM usage_events
                    WHERE tenant_id = @t AND metric = @m AND (occurred_at < @s OR occurred_at >= @e)
                      AND date_trunc('minute', occurred_at) + interval '1 minute' > @s AND date_trunc('minute', occurred_at) < @e)::bigint,
                   (SELECT stripe_id FROM stripe_catalog WHERE lookup_key = 'meter_' || @m)
            """, connection);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("m", metric);
        command.Parameters.AddWithValue("s", period.Start.UtcDateTime);
        command.Parameters.AddWithValue("e", period.End.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
    }

    /// <summary>The emulator's sum over the minute-aligned range that carries the period's usage (<see cref="MeterBuckets.StripeRange"/>).</summary>
    private static async Task<long> AtStripeAsync(ReliabilitySystem system, string meter, string customer, BillingPeriod period, CancellationToken cancellationToken)
    {
        var (start, end) = MeterBuckets.StripeRange(period, period.End)!.Value;
        var summaries = await system.Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter, new MeterEventSummaryListOptions
        {
            Customer = customer,
            StartTime = start.UtcDateTime,
            EndTime = end.UtcDateTime,
            Limit = 100,
        }, cancellationToken: cancellationToken);
        return (long)summaries.Data.Sum(s => s.AggregatedValue);
    }
}
