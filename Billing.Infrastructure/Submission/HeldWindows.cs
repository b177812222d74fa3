using Npgsql;

namespace Billing.Infrastructure.Submission;

/// <summary>
/// Closed windows the closer leaves flagged because their tenant has a Stripe customer but no subscription row: without
/// the row there is no billing period to submit into, and clearing them would mean their usage is never submitted. They
/// are closed by the first run after the row exists.
/// </summary>
public static class HeldWindows
{
    /// <summary>True for an aggregate <c>a</c> whose tenant has a Stripe customer and no subscription row.</summary>
    public const string BillingRowMissingSql = """
        EXISTS (SELECT 1 FROM tenants t WHERE t.id = a.tenant_id AND t.stripe_customer_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.tenant_id = t.id))
        """;

    public sealed record Tenant(Guid TenantId, long Windows, DateTimeOffset OldestWindow);

    /// <summary>The tenants with held windows before <paramref name="cutoff"/>, most windows first.</summary>
    public static async Task<IReadOnlyList<Tenant>> ReadAsync(NpgsqlConnection connection, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT a.tenant_id, count(*), min(a.window_start) FROM usage_aggregates a
            WHERE a.submission_pending AND a.window_start < @cutoff AND {BillingRowMissingSql}
            GROUP BY a.tenant_id ORDER BY count(*) DESC, a.tenant_id
            """, connection);
        command.Parameters.AddWithValue("cutoff", cutoff.UtcDateTime);
        var tenants = new List<Tenant>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(new Tenant(reader.GetGuid(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return tenants;
    }
}
