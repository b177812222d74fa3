using Billing.Api.Enforcement;

namespace Billing.Api.Gateway;

/// <summary>The headers between a gateway and the authorizer.</summary>
internal static class GatewayHeaders
{
    /// <summary>nginx: the method of the request being authorized (<c>$request_method</c>).</summary>
    public const string OriginalMethod = "X-Original-Method";

    /// <summary>nginx: the request's target as the client sent it (<c>$request_uri</c>).</summary>
    public const string OriginalUri = "X-Original-URI";

    /// <summary>ingress-nginx: the request's whole URL, sent when <c>X-Original-URI</c> is not.</summary>
    public const string OriginalUrl = "X-Original-URL";

    /// <summary>Toward nginx, the status the client should get (401, 402, 403, 429), since <c>auth_request</c> passes on only 401 and 403.</summary>
    public const string QuotaStatus = "X-Quota-Status";

    /// <summary>Toward nginx, the problem body the client should get, as one line of ASCII JSON (<c>auth_request</c> drops bodies).</summary>
    public const string QuotaProblem = "X-Quota-Problem";

    private static readonly string[] QuotaHeaderNames =
        [QuotaHeaders.Metric, QuotaHeaders.Limit, QuotaHeaders.Used, QuotaHeaders.Remaining, QuotaHeaders.Reset, QuotaHeaders.Warning];

    /// <summary>
    /// One line per <c>X-Quota-*</c> header, its values joined with commas: nginx 1.22's <c>$upstream_http_…</c> reads only
    /// the first of repeated lines, and Envoy copies a header to the upstream request by name.
    /// </summary>
    public static void JoinQuotaHeaders(IHeaderDictionary headers)
    {
        foreach (var name in QuotaHeaderNames)
        {
            if (headers[name].Count > 1)
            {
                headers[name] = string.Join(", ", headers[name].ToArray());
            }
        }
    }
}
