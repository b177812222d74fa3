namespace Billing.Infrastructure.Quotas;

/// <summary>
/// The Redis keys of gateway leases. A lease lives in the tenant's hash slot (<c>{tenantId:N}</c>), beside the usage
/// counters its units are reserved in, so one script grants, reports or closes it atomically with them. The index of
/// open leases by expiry is one key for every tenant: it is written before a lease exists and cleared after it is
/// gone, so no lease is ever outside it.
/// </summary>
public static class GatewayLeaseKeys
{
    /// <summary>Sorted set of <c>tenantId:leaseId</c> by the time (ms) after which the API closes the lease itself.</summary>
    public const string OpenLeases = "gw-leases:open";

    /// <summary>The lease's hash: counters, units per lease unit, granted, reported, pending report, expiry.</summary>
    public static string Lease(Guid tenantId, string leaseId) => $"gw-lease:{{{tenantId:N}}}:{leaseId}";

    public static string IndexMember(Guid tenantId, string leaseId) => $"{tenantId:N}:{leaseId}";
}
