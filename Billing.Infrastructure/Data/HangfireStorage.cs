namespace Billing.Infrastructure.Data;

/// <summary>
/// Hangfire's job storage: a schema of its own in the billing database. The migration service creates and upgrades it
/// as the owner; the worker's login only reads and writes its rows.
/// </summary>
public static class HangfireStorage
{
    public const string Schema = "hangfire";
}
