namespace Billing.Api.Gateway;

/// <summary>The route table as a gateway that matches routes itself reads it (<c>GET /api/v1/gateway/routes</c>).</summary>
/// <param name="UnmatchedRoutes"><c>allow</c> or <c>refuse</c> (403): what a request no route matches gets.</param>
public sealed record GatewayRouteTable(IReadOnlyList<GatewayRouteEntry> Routes, string UnmatchedRoutes, int LeaseSeconds);

/// <param name="Match">The route's name in lease requests (its <c>Gateway:Routes</c> entry).</param>
/// <param name="Method">Null: any method.</param>
/// <param name="Path">The path pattern; <c>*</c> matches any characters, <c>/</c> included.</param>
public sealed record GatewayRouteEntry(string Match, string? Method, string Path, IReadOnlyDictionary<string, long> Consume);

/// <summary>A gateway asking for a lease: up to <paramref name="Units"/> requests on <paramref name="Route"/>.</summary>
public sealed record LeaseRequest(string? Route, long? Units);

/// <summary>A granted lease: the gateway lets <paramref name="Granted"/> requests through before <paramref name="ExpiresInSeconds"/> pass.</summary>
/// <param name="Warning">A warning about the tenant's standing (payment grace), for every request of the lease.</param>
public sealed record LeaseResponse(string LeaseId, string Route, long Granted, DateTimeOffset ExpiresAt, double ExpiresInSeconds,
    IReadOnlyList<LeaseQuota> Quotas, string? Warning);

/// <summary>A quota's state when the lease was granted: the gateway shows <c>used + k × perUnit</c> on its k-th request.</summary>
/// <param name="Limit">The hard limit, or the included quantity of a soft cap (as <c>X-Quota-Limit</c>).</param>
/// <param name="Used">Counted before this lease, open leases' reservations included.</param>
/// <param name="Reset">As <c>X-Quota-Reset</c>: the end of the period.</param>
public sealed record LeaseQuota(string Metric, long Limit, long Used, long PerUnit, string Reset, string? Warning);

/// <summary>A gateway's report on a lease: the requests it let through on it so far (cumulative), and whether it is done with it.</summary>
public sealed record LeaseUsageRequest(long? Used, bool Final = false);

/// <param name="Reported">The cumulative count recorded for the lease.</param>
public sealed record LeaseUsageResponse(string LeaseId, long Reported, long Granted, bool Closed);
