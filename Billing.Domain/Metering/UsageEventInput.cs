namespace Billing.Domain.Metering;

/// <summary>One usage event as a client sent it, after JSON typing; nulls are fields that were absent.</summary>
public sealed record UsageEventInput(string? Id, string? Metric, long? Value, DateTimeOffset? Timestamp, string? PropertiesJson);
