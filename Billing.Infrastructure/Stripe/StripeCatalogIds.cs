using Billing.Domain.Catalog;
using Npgsql;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>The Stripe ids the catalog sync stored, read back by plan and metric (or by price id, for webhooks).</summary>
/// <remarks>
/// Read on the service's own login, never a tenant's session: a plan change or an invoice preview needs the catalog
/// inside a tenant's request, and <c>stripe_catalog</c>, which belongs to no tenant, is closed to the tenant role.
/// </remarks>
public sealed class StripeCatalogIds(NpgsqlDataSource dataSource)
{
    /// <summary>The base price (paid plans) and one metered price per metric, in that order.</summary>
    public async Task<IReadOnlyList<string>> PricesForAsync(PlanTier tier, CancellationToken cancellationToken)
    {
        var keys = MetricKeys.All.Select(m => CatalogLookupKeys.MeteredPrice(tier, m)).Prepend(CatalogLookupKeys.BasePrice(tier)).ToArray();
        await using var command = dataSource.CreateCommand("SELECT lookup_key, stripe_id FROM stripe_catalog WHERE lookup_key = ANY(@keys)");
        command.Parameters.AddWithValue("keys", keys);
        var found = await ReadPairsAsync(command, cancellationToken);
        if (found.Count < keys.Length - 1)
        {
            throw new InvalidOperationException($"The Stripe catalog is not synced for plan {tier.ToKey()}; run the catalog sync.");
        }

        return [.. keys.Where(found.ContainsKey).Select(k => found[k])];
    }

    /// <summary>(plan, metric) of a price id; metric is null for a base price; null when the price is not ours.</summary>
    public async Task<(string Plan, string? Metric)?> DescribeAsync(string priceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT plan, metric FROM stripe_catalog WHERE stripe_id = @price AND kind <> 'meter' AND plan IS NOT NULL LIMIT 1");
        command.Parameters.AddWithValue("price", priceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    /// <summary>The Stripe meters by metric key (their <c>event_name</c>), as the catalog sync stored them.</summary>
    public async Task<IReadOnlyDictionary<string, string>> MetersAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT metric, stripe_id FROM stripe_catalog WHERE kind = 'meter' AND metric IS NOT NULL");
        return await ReadPairsAsync(command, cancellationToken);
    }

    private static async Task<Dictionary<string, string>> ReadPairsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var pairs = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            pairs[reader.GetString(0)] = reader.GetString(1);
        }

        return pairs;
    }
}
