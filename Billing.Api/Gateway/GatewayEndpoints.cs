using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Billing.Api.Gateway;

/// <summary>
/// The quota authorizer for gateways in front of services this API does not host: nginx's <c>auth_request</c> and
/// Envoy's HTTP <c>ext_authz</c>. The tenant is the caller's key (scope <c>ingest</c>); what the original request
/// consumes comes from <c>Gateway:Routes</c>; the decision is <c>RequireQuota</c>'s (<see cref="QuotaEnforcement"/>),
/// counted when the request is let through and recorded once per gateway request id.
/// </summary>
public static class GatewayEndpoints
{
    public const string GroupPath = "/api/v1/gateway";

    /// <summary>nginx: <c>auth_request</c> subrequests, the original request in <c>X-Original-Method</c> and <c>X-Original-URI</c>.</summary>
    public const string AuthorizePath = GroupPath + "/authorize";

    /// <summary>Envoy: <c>path_prefix</c> of the HTTP check request, which carries the original method and, after this, the original path.</summary>
    public const string ExtAuthzPrefix = GroupPath + "/ext-authz";

    /// <summary>A gateway's request ids are at most this long, so <c>gw:&lt;id&gt;:&lt;metric&gt;</c> fits a usage event id.</summary>
    public const int MaxRequestIdLength = 80;

    public static IEndpointRouteBuilder MapGatewayApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(GroupPath).WithTags("Gateway").RequireAuthorization(AuthPolicies.Tenant).RequireScope(ApiScopes.Ingest)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.Map("/authorize", AuthorizeForNginx).WithName("AuthorizeNginxRequest").WithMetadata(GatewayAnswer.Nginx).WithDescription(
            "nginx auth_request: allowed is 200 with X-Quota-* headers; a quota denial is 403 with X-Quota-Status (429 or 402), Retry-After and "
            + "X-Quota-Problem (the problem body), which the shipped nginx configuration turns into the client's 429 / 402.");
        group.Map("/ext-authz/{**path}", AuthorizeForEnvoy).WithName("AuthorizeEnvoyRequest").WithMetadata(GatewayAnswer.Envoy).WithDescription(
            "Envoy HTTP ext_authz (path_prefix " + ExtAuthzPrefix + "): allowed is 200 with X-Quota-* headers; denials are the real 401, 402, 403 "
            + "or 429 with their problem body, which Envoy passes to the client.");
        group.MapGatewayLeases();
        return app;
    }

    private static Task<IResult> AuthorizeForNginx(HttpContext http, GatewayRoutes routes, IOptions<GatewayOptions> options)
    {
        var headers = http.Request.Headers;
        var method = headers[GatewayHeaders.OriginalMethod].ToString();
        var target = headers.ContainsKey(GatewayHeaders.OriginalUri) ? headers[GatewayHeaders.OriginalUri].ToString() : headers[GatewayHeaders.OriginalUrl].ToString();
        if (method.Length == 0 || !OriginalPath.TryNormalize(target, out var path))
        {
            return Task.FromResult(GatewayProblems.RequestInvalid(
                $"Send the original request as {GatewayHeaders.OriginalMethod} ($request_method) and {GatewayHeaders.OriginalUri} ($request_uri, a path) or "
                + $"{GatewayHeaders.OriginalUrl} (an http(s) URL)."));
        }

        return AuthorizeAsync(http, routes, options.Value, method, path);
    }

    private static Task<IResult> AuthorizeForEnvoy(HttpContext http, GatewayRoutes routes, IOptions<GatewayOptions> options)
    {
        // The raw target, so the path is decoded and normalised once, the way nginx's is.
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        if (!target.StartsWith(ExtAuthzPrefix, StringComparison.OrdinalIgnoreCase)
            || !OriginalPath.TryNormalize("/" + target[ExtAuthzPrefix.Length..].TrimStart('/'), out var path))
        {
            return Task.FromResult(GatewayProblems.RequestInvalid($"The check request's path must be {ExtAuthzPrefix} followed by the original path."));
        }

        return AuthorizeAsync(http, routes, options.Value, http.Request.Method, path);
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, GatewayRoutes routes, GatewayOptions options, string method, string path)
    {
        var requestId = http.Request.Headers[options.RequestIdHeader].ToString();
        if (requestId.Length is 0 or > MaxRequestIdLength || !requestId.All(c => c is > ' ' and <= '~'))
        {
            return GatewayProblems.RequestInvalid(
                $"Send the gateway's id of the request in {options.RequestIdHeader} (1 to {MaxRequestIdLength} visible ASCII characters; nginx: "
                + "$request_id, Envoy: x-request-id): it keys the request's usage, so a repeated check of the same request counts once.");
        }

        var route = routes.Match(method, path);
        if (route is null)
        {
            return options.UnmatchedRoutes == UnmatchedRoutePolicy.Allow ? TypedResults.Ok() : GatewayProblems.RouteRefused(method, path);
        }

        if (route.Charges.Count == 0)
        {
            return TypedResults.Ok();
        }

        var id = $"gw:{requestId}";
        var tenantId = http.RequestServices.GetRequiredService<CurrentTenant>().RequiredTenantId;
        var enforcement = await QuotaEnforcement.DecideAsync(http, tenantId, route.Charges, new MeteredRequest(id),
            new RequestIdempotency(id, TimeSpan.FromSeconds(options.ReplayWindowSeconds)));
        GatewayHeaders.JoinQuotaHeaders(http.Response.Headers);
        if (enforcement.Refusal is { } refusal)
        {
            return refusal;
        }

        try
        {
            await enforcement.RecordAsync(i => route.Charges[i].Amount);
        }
        catch (UsageStoreUnavailableException)
        {
            return QuotaProblems.UsageNotRecorded(http);
        }

        return TypedResults.Ok();
    }
}
