namespace Billing.Infrastructure.Data.Entities;

/// <summary>The last run of a recurring worker job, read by the worker's health check.</summary>
public sealed class WorkerHeartbeat
{
    public required string Job { get; set; }
    public DateTimeOffset LastRunAt { get; set; }
    public long Runs { get; set; }
    public string? Host { get; set; }
}
