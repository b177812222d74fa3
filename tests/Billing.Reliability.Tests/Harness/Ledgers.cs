using Billing.Reliability.Tests.Load;
using Npgsql;
using Stripe.Billing;

namespace Billing.Reliability.Tests.Harness;

/// <summary>One tenant's metric in the period, as each ledger holds it.</summary>
/// <param name="Confirmed">Σ units the clients got a 2xx for.</param>
/// <param name="Uncertain">Σ units of requests whose answer the clients never got (they may or may not count).</param>
/// <param name="Events">Σ <c>usage_events</c>.</param>
/// <param name="Aggregates">Σ <c>usage_aggregates</c>.</param>
/// <param name="AtStripe">Σ the meter's event summaries for the customer at the emulator.</param>
public sealed record LedgerLine(Guid Tenant, string Metric, long Confirmed, long Uncertain, long Events, long Aggregates, long AtStripe)
{
    /// <summary>Confirmed units no ledger holds.</summary>
    public long Lost => Math.Max(0, Confirmed - Events);

    /// <summary>Units counted beyond what the clients sent: more than confirmed plus everything that might have counted.</summary>
    public long Doubled => Math.Max(0, Events - Confirmed - Uncertain);

    public bool Agrees => Events == Aggregates && Aggregates == AtStripe;

    public override string ToString() =>
        $"{Tenant:N} {Metric}: confirmed {Confirmed} (+{Uncertain} unanswered), usage_events {Events}, aggregates {Aggregates}, Stripe {AtStripe}";
}

/// <summary>Reads the three ledgers of every tenant and metric the load touched.</summary>
public static class Ledgers
{
    public static readonly string[] Metrics = ["api_calls", "llm_tokens", "agent_executions"];

    public static async Task<List<LedgerLine>> ReadAsync(ReliabilitySystem system, IReadOnlyList<LoadTenant> tenants, Tally tally, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var lines = new List<LedgerLine>();
        await using var connection = await system.OpenAsync(cancellationToken);
        foreach (var tenant in tenants)
        {
            foreach (var metric in Metrics)
            {
                var (events, aggregates, meter) = await LocalAsync(connection, tenant.Id, metric, cancellationToken);
                var atStripe = await AtStripeAsync(system, meter, tenant.CustomerId, from, cancellationToken);
                lines.Add(new LedgerLine(tenant.Id, metric, tally.ConfirmedOf(tenant.Id, metric), tally.UncertainOf(tenant.Id, metric), events, aggregates, atStripe));
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

    private static async Task<(long Events, long Aggregates, string Meter)> LocalAsync(NpgsqlConnection connection, Guid tenant, string metric, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT coalesce(sum(value), 0) FROM usage_events WHERE tenant_id = @t AND metric = @m)::bigint,
                   (SELECT coalesce(sum(value), 0) FROM usage_aggregates WHERE tenant_id = @t AND metric = @m)::bigint,
                   (SELECT stripe_id FROM stripe_catalog WHERE lookup_key = 'meter_' || @m)
            """, connection);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("m", metric);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
    }

    private static async Task<long> AtStripeAsync(ReliabilitySystem system, string meter, string customer, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var start = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
        var summaries = await system.Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter, new MeterEventSummaryListOptions
        {
            Customer = customer,
            StartTime = start.UtcDateTime,
            EndTime = start.AddHours(4).UtcDateTime,
            Limit = 100,
        }, cancellationToken: cancellationToken);
        return (long)summaries.Data.Sum(s => s.AggregatedValue);
    }
}
