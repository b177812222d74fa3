using YamlDotNet.RepresentationModel;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// Envoy's HTTP ext_authz as deploy/gateway/envoy/envoy.yaml configures it, for the tests: the check request it builds
/// (the original method; path_prefix and the original path; only the allowed headers, plus those Envoy always sends;
/// no body) and which of the answer's headers it passes on. No Envoy binary is available here, so the authorizer's
/// side is tested over HTTP with the request Envoy would send, built from the shipped configuration.
/// </summary>
internal sealed class EnvoyCheck
{
    // Envoy adds these to an HTTP check request whatever allowed_headers says.
    private static readonly string[] AlwaysSent = ["host", "authorization", "content-length"];

    private EnvoyCheck(YamlNode filter) => Filter = filter;

    public static EnvoyCheck Shipped { get; } = new(FindFilter());

    /// <summary>The ext_authz filter's typed_config.</summary>
    public YamlNode Filter { get; }

    public string PathPrefix => Filter.Text("http_service", "path_prefix");

    /// <summary>What Envoy sends the billing API for a client's request.</summary>
    public HttpRequestMessage CheckRequest(HttpMethod method, string pathAndQuery, params (string Name, string Value)[] clientHeaders)
    {
        var check = new HttpRequestMessage(method, PathPrefix + pathAndQuery) { Content = new ByteArrayContent([]) };
        foreach (var (name, value) in clientHeaders)
        {
            if (AlwaysSent.Contains(name.ToLowerInvariant()) || Matches(Filter.At("allowed_headers"), name))
            {
                check.Headers.TryAddWithoutValidation(name, value);
            }
        }

        check.Headers.TryAddWithoutValidation("x-envoy-expected-rq-timeout-ms", "2000");
        return check;
    }

    /// <summary>The answer's headers Envoy adds to the request it lets through to the service.</summary>
    public IReadOnlyDictionary<string, string> UpstreamHeaders(HttpResponseMessage answer) =>
        Passed(answer, Filter.At("http_service", "authorization_response", "allowed_upstream_headers"));

    /// <summary>The answer's headers Envoy puts on a denial it sends the client.</summary>
    public IReadOnlyDictionary<string, string> DeniedClientHeaders(HttpResponseMessage answer) =>
        Passed(answer, Filter.At("http_service", "authorization_response", "allowed_client_headers"));

    private static Dictionary<string, string> Passed(HttpResponseMessage answer, YamlNode matcher) =>
        answer.Headers.Concat(answer.Content.Headers)
            .Where(h => Matches(matcher, h.Key))
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value));

    /// <summary>Envoy's ListStringMatcher with exact and prefix patterns; header names compare in lower case.</summary>
    private static bool Matches(YamlNode matcher, string header) =>
        matcher.Items("patterns").Any(p =>
            (p.Has("exact") && p.Text("exact") == header.ToLowerInvariant()) || (p.Has("prefix") && header.ToLowerInvariant().StartsWith(p.Text("prefix"), StringComparison.Ordinal)));

    private static YamlNode FindFilter()
    {
        var envoy = ShippedYaml.Documents("envoy/envoy.yaml").Single();
        return envoy.Items("static_resources", "listeners").SelectMany(l => l.Items("filter_chains")).SelectMany(c => c.Items("filters"))
            .SelectMany(f => f.Items("typed_config", "http_filters"))
            .Single(f => f.Text("name") == "envoy.filters.http.ext_authz").At("typed_config");
    }
}
