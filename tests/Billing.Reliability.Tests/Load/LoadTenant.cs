namespace Billing.Reliability.Tests.Load;

/// <summary>A tenant the load is sent for: its key, its Stripe customer, and the hard cap on <c>api_calls</c> it may have.</summary>
public sealed record LoadTenant(Guid Id, string Key, string CustomerId, long? ApiCallsHardCap);
