namespace Billing.Infrastructure.Quotas;

/// <summary>
/// How quota decisions taken in PostgreSQL while Redis is down are kept from becoming a PostgreSQL outage
/// (configuration section <c>Quotas:Fallback</c>).
/// </summary>
public sealed class QuotaFallbackOptions
{
    public const string SectionName = "Quotas:Fallback";

    /// <summary>
    /// The most fallback decisions one API process runs in PostgreSQL at once, each holding one pooled connection: the
    /// rest of the pool stays free for ingestion, reads and other tenants. Keep it well under the pool's size.
    /// </summary>
    public int MaxConcurrent { get; set; } = 16;

    /// <summary>
    /// How long a request waits for its turn (a fallback slot, this process's queue for the same counter, then the
    /// counter's lock in PostgreSQL) before it is answered 503 with <c>Retry-After</c> instead of piling up.
    /// </summary>
    public int WaitMs { get; set; } = 2000;
}
