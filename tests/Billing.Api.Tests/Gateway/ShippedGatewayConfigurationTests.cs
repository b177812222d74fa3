using Billing.Api.Gateway;
using Billing.Testing;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// The shipped envoy.yaml and Kubernetes objects, checked for structure and against the API they point at (no Envoy
/// binary or cluster is available here; the nginx configuration is run for real by <see cref="NginxGatewayTests"/>).
/// </summary>
public sealed class ShippedGatewayConfigurationTests
{
    private static readonly string BillingService = "api.billing.svc.cluster.local";

    [Fact]
    public void Envoy_checks_every_request_with_the_billing_api_and_fails_closed_within_a_timeout()
    {
        var envoy = ShippedYaml.Documents("envoy/envoy.yaml").Single();
        var manager = envoy.Items("static_resources", "listeners").Single().Items("filter_chains").Single().Items("filters").Single().At("typed_config");
        var filters = manager.Items("http_filters").ToList();
        var authz = EnvoyCheck.Shipped.Filter;

        Assert.Equal("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", manager.Text("@type"));
        Assert.Equal(["envoy.filters.http.ext_authz", "envoy.filters.http.router"], filters.Select(f => f.Text("name")));
        Assert.Equal("type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz", authz.Text("@type"));
        Assert.Equal("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router", filters[1].Text("typed_config", "@type"));
        Assert.Equal(GatewayEndpoints.ExtAuthzPrefix, EnvoyCheck.Shipped.PathPrefix);
        Assert.Equal("false", authz.Text("failure_mode_allow"));
        Assert.Equal("ServiceUnavailable", authz.Text("status_on_error", "code"));
        Assert.Equal("2s", authz.Text("http_service", "server_uri", "timeout"));
        Assert.Equal(["authorization", "x-request-id", "x-forwarded-for", "x-forwarded-proto"], authz.Items("allowed_headers", "patterns").Select(p => p.Text("exact")));
        // A client's own x-request-id never reaches the billing API: Envoy replaces it at the edge.
        Assert.Equal(("true", "false", "true"), (manager.Text("use_remote_address"), manager.Text("preserve_external_request_id"), manager.Text("generate_request_id")));
        Assert.Equal(("true", "true"), (manager.Text("normalize_path"), manager.Text("merge_slashes")));

        var clusters = envoy.Items("static_resources", "clusters").Select(c => c.Text("name")).ToList();
        Assert.Contains(authz.Text("http_service", "server_uri", "cluster"), clusters);
        var routes = manager.Items("route_config", "virtual_hosts").SelectMany(v => v.Items("routes")).ToList();
        Assert.All(routes, r => Assert.Contains(r.Text("route", "cluster"), clusters));
        var unmetered = Assert.Single(routes, r => r.Has("typed_per_filter_config"));
        Assert.Equal("true", unmetered.Text("typed_per_filter_config", "envoy.filters.http.ext_authz", "disabled"));
    }

    [Fact]
    public void Envoy_passes_the_quota_headers_on_allow_and_retry_after_with_the_problem_on_deny()
    {
        var response = EnvoyCheck.Shipped.Filter.At("http_service", "authorization_response");

        Assert.Equal(["x-quota-"], response.Items("allowed_upstream_headers", "patterns").Select(p => p.Text("prefix")));
        Assert.Equal(["x-quota-"], response.Items("allowed_client_headers_on_success", "patterns").Select(p => p.Text("prefix")));
        var onDeny = response.Items("allowed_client_headers", "patterns").Select(p => p.Has("prefix") ? p.Text("prefix") : p.Text("exact")).ToList();
        Assert.Equal(["x-quota-", "retry-after", "content-type", "www-authenticate"], onDeny);
    }

    [Fact]
    public void The_kustomization_lists_the_ingress_and_the_authorization_policy()
    {
        var kustomization = ShippedYaml.Documents("kubernetes/kustomization.yaml").Single();

        Assert.Equal(["ingress-nginx/ingress.yaml", "istio/authorization-policy.yaml"], kustomization.Texts("resources"));
        Assert.All(kustomization.Texts("resources"), r => Assert.True(File.Exists(ShippedYaml.PathOf(Path.Combine("kubernetes", r))), r));
    }

    [Fact]
    public void The_ingress_asks_the_billing_api_with_nginx_request_id_and_answers_denials_as_the_standalone_nginx_does()
    {
        var ingress = ShippedYaml.Documents("kubernetes/ingress-nginx/ingress.yaml").Single();
        var annotations = ingress.At("metadata", "annotations");
        string Annotation(string name) => annotations.Text($"nginx.ingress.kubernetes.io/{name}");
        var standalone = File.ReadAllText(Path.Combine(NginxServer.ShippedDirectory, "billing-quota.conf"));

        Assert.Equal(("networking.k8s.io/v1", "Ingress"), (ingress.Text("apiVersion"), ingress.Text("kind")));
        Assert.Equal($"http://{BillingService}:8080{GatewayEndpoints.AuthorizePath}", Annotation("auth-url"));
        Assert.Equal("X-Quota-Metric, X-Quota-Limit, X-Quota-Used, X-Quota-Remaining, X-Quota-Reset, X-Quota-Warning", Annotation("auth-response-headers"));
        Assert.Contains("proxy_set_header X-Request-Id $request_id;", Annotation("auth-snippet"), StringComparison.Ordinal);
        Assert.DoesNotContain("$req_id", Annotation("auth-snippet"), StringComparison.Ordinal);
        Assert.Contains("error_page 401 403 = @quota_denied;", Annotation("configuration-snippet"), StringComparison.Ordinal);
        Assert.Contains("set $billing_on_failure closed;", Annotation("configuration-snippet"), StringComparison.Ordinal);
        foreach (var location in new[] { "@billing_failed", "@quota_denied", "@billing_unavailable" })
        {
            Assert.Contains(Block(standalone, location), Annotation("server-snippet"), StringComparison.Ordinal);
        }

        var path = Assert.Single(ingress.Items("spec", "rules", 0, "http", "paths"));
        Assert.Equal("Prefix", path.Text("pathType"));
    }

    [Fact]
    public void The_istio_policy_sends_requests_to_an_extension_provider_that_points_at_the_envoy_check_endpoint()
    {
        var policy = ShippedYaml.Documents("kubernetes/istio/authorization-policy.yaml").Single();
        var mesh = ShippedYaml.Documents("kubernetes/istio/mesh-config.yaml").Single();
        var provider = Assert.Single(mesh.Items("spec", "meshConfig", "extensionProviders"));
        var http = provider.At("envoyExtAuthzHttp");

        Assert.Equal(("security.istio.io/v1", "AuthorizationPolicy", "CUSTOM"), (policy.Text("apiVersion"), policy.Text("kind"), policy.Text("spec", "action")));
        Assert.Equal(provider.Text("name"), policy.Text("spec", "provider", "name"));
        Assert.Equal((BillingService, "8080", GatewayEndpoints.ExtAuthzPrefix), (http.Text("service"), http.Text("port"), http.Text("pathPrefix")));
        Assert.Equal(("false", "503", "2s"), (http.Text("failOpen"), http.Text("statusOnError"), http.Text("timeout")));
        Assert.Equal(["authorization", "x-request-id", "x-forwarded-for"], http.Texts("includeRequestHeadersInCheck"));
        Assert.Equal(["x-quota-*"], http.Texts("headersToUpstreamOnAllow"));
        Assert.Equal(["x-quota-*"], http.Texts("headersToDownstreamOnAllow"));
        Assert.Equal(["x-quota-*", "retry-after", "content-type", "www-authenticate"], http.Texts("headersToDownstreamOnDeny"));
    }

    /// <summary>A <c>location name { … }</c> block of an nginx file, braces balanced.</summary>
    private static string Block(string conf, string name)
    {
        var start = conf.IndexOf($"location {name} {{", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no location {name}");
        var depth = 0;
        for (var i = start; ; i++)
        {
            depth += conf[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (conf[i] == '}' && depth == 0)
            {
                return conf[start..(i + 1)];
            }
        }
    }
}
