namespace Billing.Api.Gateway;

/// <summary>
/// The gateway authorizer's settings (<c>Gateway:*</c>), validated at start-up: which metrics each route of the
/// services behind nginx or Envoy consumes, and what happens to a route that no entry matches.
/// </summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Tried in order; the first whose method and path match decides what a request consumes.</summary>
    public List<GatewayRouteOptions> Routes { get; set; } = [];

    /// <summary>What a request on a route that no entry matches gets: let through consuming nothing, or refused (403).</summary>
    public UnmatchedRoutePolicy UnmatchedRoutes { get; set; } = UnmatchedRoutePolicy.Allow;

    /// <summary>
    /// The header holding the tenant's API key: <c>Authorization</c> (<c>Bearer bk_…</c>, the default) or another one,
    /// e.g. <c>X-Api-Key</c>, when the services behind the gateway use <c>Authorization</c> for something else.
    /// </summary>
    public string KeyHeader { get; set; } = "Authorization";

    /// <summary>The header with the gateway's id of the request (nginx's <c>$request_id</c>, Envoy's <c>x-request-id</c>).</summary>
    public string RequestIdHeader { get; set; } = "X-Request-Id";

    /// <summary>
    /// How long a request id is remembered in Redis: a repeated check of the same request within it (a gateway retrying
    /// the authorizer on another replica) answers as the first and counts nothing. Usage events keep the id for ever.
    /// </summary>
    public int ReplayWindowSeconds { get; set; } = 300;

    /// <summary>Leases for gateways that count requests themselves (<c>deploy/gateway/nginx-lease</c>).</summary>
    public GatewayLeaseOptions Leases { get; set; } = new();
}

/// <summary><c>Gateway:Leases:*</c>: how long a lease lasts, how large it may be, and when the API closes an abandoned one.</summary>
public sealed class GatewayLeaseOptions
{
    /// <summary>
    /// How long a gateway may count on a lease. Short enough that a revoked key, a plan change or a cancelled
    /// subscription reaches the gateway soon (its next lease), long enough that leases are rare next to requests.
    /// </summary>
    public int LifetimeSeconds { get; set; } = 30;

    /// <summary>After the lifetime, how long the gateway's final report is waited for before the API closes the lease itself.</summary>
    public int GraceSeconds { get; set; } = 15;

    /// <summary>The most units (requests on a route) one lease may hold.</summary>
    public long MaxUnits { get; set; } = 10_000;

    /// <summary>How often each replica looks for expired leases to close.</summary>
    public int SweepIntervalMilliseconds { get; set; } = 1_000;
}

/// <summary>One entry of <c>Gateway:Routes</c>.</summary>
public sealed class GatewayRouteOptions
{
    /// <summary>
    /// <c>"METHOD /path"</c>, or <c>"/path"</c> for any method; <c>*</c> in the path matches any characters, including
    /// <c>/</c>: <c>"POST /v1/chat/*"</c>. Paths are compared after decoding and normalising (<c>//</c>, <c>.</c>, <c>..</c>).
    /// </summary>
    public string Match { get; set; } = "";

    /// <summary>Units of each counter a request consumes, e.g. <c>{ "api_calls": 1 }</c>; empty: let through, consuming nothing.</summary>
    public Dictionary<string, long> Consume { get; set; } = [];
}

public enum UnmatchedRoutePolicy
{
    Allow,
    Refuse,
}
