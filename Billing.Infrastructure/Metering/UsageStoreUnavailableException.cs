namespace Billing.Infrastructure.Metering;

/// <summary>The events could not be stored; nothing of the request was accepted, and a retry is safe.</summary>
public sealed class UsageStoreUnavailableException(Exception inner)
    : Exception("Usage events could not be stored; retry the request (duplicates are never counted twice).", inner);
