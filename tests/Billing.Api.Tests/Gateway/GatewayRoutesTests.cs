using Billing.Api.Gateway;
using Billing.Domain.Catalog;
using Microsoft.Extensions.Options;

namespace Billing.Api.Tests.Gateway;

/// <summary>Gateway:Routes, the one place that says what a gateway route consumes: matching, and refusal of bad settings at start-up.</summary>
public sealed class GatewayRoutesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static GatewayRoutes Table(params GatewayRouteOptions[] routes) => new(Options.Create(new GatewayOptions { Routes = [.. routes] }));

    private static GatewayRouteOptions Route(string match, params (string Metric, long Amount)[] consume) =>
        new() { Match = match, Consume = consume.ToDictionary(c => c.Metric, c => c.Amount) };

    [Theory]
    [InlineData("POST", "/v1/chat/completions", "POST /v1/chat/*")]
    [InlineData("post", "/v1/chat/a/b", "POST /v1/chat/*")]
    [InlineData("GET", "/v1/chat/completions", "GET /v1/*")]
    [InlineData("DELETE", "/v1/chat/completions/x", "/v1/chat/*/x")]
    [InlineData("PUT", "/v1/chat/completions", null)]
    [InlineData("POST", "/v2/chat/completions", null)]
    public void The_first_route_matching_method_and_path_wins(string method, string path, string? expected)
    {
        var table = Table(
            Route("POST /v1/chat/*", ("api_calls", 1)),
            Route("GET /v1/*", ("api_calls", 1)),
            Route("/v1/chat/*/x", ("agent_executions", 1)),
            Route("/v1/chat/completions/x"));

        Assert.Equal(expected, table.Match(method, path)?.Match);
    }

    [Fact]
    public void A_route_charges_each_metric_it_consumes_in_the_metrics_order()
    {
        var route = Table(Route("POST /v1/agents/*", ("agent_executions", 1), ("llm_tokens", 500), ("api_calls", 2))).Match("POST", "/v1/agents/run")!;

        Assert.Equal([(Metric.LlmTokens, 500L), (Metric.ApiCalls, 2L), (Metric.AgentExecutions, 1L)], route.Charges.Select(c => (c.Metric, c.Amount)));
        Assert.All(route.Charges, c => Assert.True(c.Reserve));
    }

    [Fact]
    public void The_api_refuses_to_start_with_invalid_routes_and_names_every_problem()
    {
        using var replica = api.Replica(
            ("Gateway:Routes:0:Match", "chat/*"),
            ("Gateway:Routes:0:Consume:API_CALLS", "1"),
            ("Gateway:Routes:1:Match", "post /v1/*"),
            ("Gateway:Routes:1:Consume:storage_mb", "1"),
            ("Gateway:Routes:2:Match", "GET /v1/x"),
            ("Gateway:Routes:2:Consume:api_calls", "0"),
            ("Gateway:ReplayWindowSeconds", "0"));

        var failure = Assert.Throws<OptionsValidationException>(() => replica.CreateClient());

        Assert.Equal(
        [
            "Gateway:Routes:0:Match: 'chat/*' must be \"METHOD /path\" or \"/path\", the path starting with '/' (* matches any characters).",
            "Gateway:Routes:0:Consume:API_CALLS: unknown metric; one of llm_tokens, api_calls, agent_executions, storage_mb, user_seats.",
            "Gateway:Routes:1:Match: 'post /v1/*' must start with an upper-case HTTP method (POST /v1/chat/*) or be a path alone.",
            "Gateway:Routes:1:Consume:storage_mb: a gauge (a level, not a sum) cannot be consumed per request; report its level as a usage event.",
            "Gateway:Routes:2:Consume:api_calls: 0 must be between 1 and 1,000,000,000,000.",
            "Gateway:ReplayWindowSeconds: 0 must be between 1 and 86400.",
        ], failure.Failures);
    }

    [Fact]
    public void The_api_refuses_to_start_with_invalid_lease_settings_and_names_every_problem()
    {
        using var replica = api.Replica(
            ("Gateway:Leases:LifetimeSeconds", "0"),
            ("Gateway:Leases:GraceSeconds", "3601"),
            ("Gateway:Leases:MaxUnits", "0"),
            ("Gateway:Leases:SweepIntervalMilliseconds", "50"));

        var failure = Assert.Throws<OptionsValidationException>(() => replica.CreateClient());

        Assert.Equal(
        [
            "Gateway:Leases:LifetimeSeconds: 0 must be between 1 and 3600.",
            "Gateway:Leases:GraceSeconds: 3601 must be between 1 and 3600.",
            "Gateway:Leases:MaxUnits: 0 must be between 1 and 1000000.",
            "Gateway:Leases:SweepIntervalMilliseconds: 50 must be between 100 and 60000.",
        ], failure.Failures);
    }
}
