using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// PostgreSQL refused the events of one request because of what they hold: nothing of the request was stored, and
/// sending it again fails again, so it is a client error, never an invitation to retry (a 503).
/// </summary>
public sealed class UsageEventsRefusedException(PostgresException inner)
    : Exception($"The database refused an event of this request ({inner.SqlState}: {inner.MessageText}); nothing was stored, and sending it again will fail again.", inner);
