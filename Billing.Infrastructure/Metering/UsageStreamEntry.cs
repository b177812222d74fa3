namespace Billing.Infrastructure.Metering;

/// <summary>One entry of the usage stream: the events of one metered request.</summary>
/// <param name="Problem">Why the entry cannot be committed (unreadable, or an event the table cannot hold); it is then set aside, not retried forever.</param>
/// <param name="Payload">The entry's bytes as stored, kept for setting it aside.</param>
public sealed record UsageStreamEntry(string Id, IReadOnlyList<NewUsageEvent> Events, string? Problem, byte[] Payload);
