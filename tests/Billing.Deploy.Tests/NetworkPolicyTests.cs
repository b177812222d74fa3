using Billing.Deploy.Tests.Rendering;
using k8s.Models;

namespace Billing.Deploy.Tests;

/// <summary>Only the api, worker and migrations reach PostgreSQL and Redis; the API takes its traffic; nothing else talks.</summary>
public sealed class NetworkPolicyTests
{
    /// <summary>A pod the overlay does not run (a debugging pod, another team's service in the namespace).</summary>
    private static readonly Dictionary<string, string> OtherPod = new() { ["app.kubernetes.io/name"] = "something-else" };

    [Theory]
    [InlineData("postgres", 5432, new[] { "api", "migrations", "worker" })]
    [InlineData("redis", 6379, new[] { "api", "worker" })]
    public async Task In_the_local_cluster_only_the_billing_services_reach_a_data_store(string store, int port, string[] expected)
    {
        var rendered = await RenderedOverlay.OfAsync(Overlay.Local);
        var policies = new NetworkPolicies(rendered.All<V1NetworkPolicy>());
        var target = rendered.PodTemplates().Single(p => p.Owner == $"StatefulSet/{store}").Template.Metadata.Labels;

        var allowed = rendered.PodTemplates().Where(p => policies.Allows(p.Template.Metadata.Labels, target, port))
            .Select(p => p.Template.Metadata.Labels["app.kubernetes.io/component"]);

        Assert.Equal(expected, allowed.Order());
        Assert.False(policies.Allows(OtherPod, target, port));
        Assert.False(policies.Allows(null, target, port), "reachable from outside the namespace");
    }

    [Theory]
    [InlineData(5432)]
    [InlineData(6379)]
    public async Task In_production_only_the_billing_services_reach_the_managed_data_stores(int port)
    {
        var rendered = await RenderedOverlay.OfAsync(Overlay.Production);
        var policies = new NetworkPolicies(rendered.All<V1NetworkPolicy>());

        var allowed = rendered.PodTemplates().Where(p => policies.Allows(p.Template.Metadata.Labels, null, port))
            .Select(p => p.Template.Metadata.Labels["app.kubernetes.io/component"]);

        Assert.Equal(["api", "migrations", "worker"], allowed.Order());
        Assert.False(policies.Allows(OtherPod, null, port));
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task The_api_takes_requests_from_the_ingress_controller_and_the_worker_takes_none(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var policies = new NetworkPolicies(rendered.All<V1NetworkPolicy>());

        Assert.True(policies.Allows(null, rendered.Deployment("api").Spec.Template.Metadata.Labels, 8080));
        Assert.False(policies.Allows(null, rendered.Deployment("worker").Spec.Template.Metadata.Labels, 8080));
        Assert.False(policies.Allows(OtherPod, rendered.Deployment("worker").Spec.Template.Metadata.Labels, 8080));
    }

    [Fact]
    public async Task In_the_local_cluster_the_stripe_emulator_delivers_webhooks_to_the_api_and_reaches_nothing_else()
    {
        var rendered = await RenderedOverlay.OfAsync(Overlay.Local);
        var policies = new NetworkPolicies(rendered.All<V1NetworkPolicy>());
        var emulator = rendered.Deployment("stripe-emulator").Spec.Template.Metadata.Labels;

        Assert.True(policies.Allows(emulator, rendered.Deployment("api").Spec.Template.Metadata.Labels, 8080));
        Assert.False(policies.Allows(emulator, rendered.PodTemplates().Single(p => p.Owner == "StatefulSet/postgres").Template.Metadata.Labels, 5432));
        Assert.False(policies.Allows(emulator, null, 443));
    }
}
