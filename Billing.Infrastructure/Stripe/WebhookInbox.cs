using Npgsql;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// The first thing that happens to a verified Stripe event: it is stored, unique by its id. A repeated
/// delivery finds the row and is acknowledged without being stored or processed again.
/// </summary>
public static class WebhookInbox
{
    /// <summary>Stores the event; false when it was already stored (a repeated delivery).</summary>
    public static async Task<bool> StoreAsync(NpgsqlDataSource dataSource, global::Stripe.Event stripeEvent, string payload, CancellationToken cancellationToken)
    {
        // No conflict target: naming one needs SELECT on its column, and the API's login may only insert here. The one
        // unique key a new row can meet is the event id's.
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_events (stripe_event_id, type, api_version, stripe_created_at, received_at, payload, status, attempts)
            VALUES (@id, @type, @version, @created, now(), @payload::jsonb, 'received', 0)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("id", stripeEvent.Id);
        command.Parameters.AddWithValue("type", stripeEvent.Type);
        command.Parameters.AddWithValue("version", (object?)stripeEvent.ApiVersion ?? DBNull.Value);
        command.Parameters.AddWithValue("created", new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)));
        command.Parameters.AddWithValue("payload", payload);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
