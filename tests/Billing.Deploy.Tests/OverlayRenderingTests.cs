using Billing.Deploy.Tests.Rendering;
using k8s;
using k8s.Models;

namespace Billing.Deploy.Tests;

/// <summary>Each overlay renders with <c>kubectl kustomize</c> into objects KubernetesClient loads strictly, and renders what the issue lists.</summary>
public sealed class OverlayRenderingTests
{
    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_rendered_object_loads_as_its_kubernetes_type(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        Assert.NotEmpty(rendered.Objects);
        Assert.All(rendered.Objects, o => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o));
        Assert.All(rendered.Objects.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal(o.Kind == "Namespace" ? null : "billing", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void Strict_loading_refuses_a_misspelled_field()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              replicaz: 2
            """;

        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
        Assert.Single(KubernetesYaml.LoadAllFromString(yaml, strict: false));
    }

    [Theory]
    [InlineData(Overlay.Local, new[]
    {
        "Namespace/billing", "ConfigMap/billing-config", "ConfigMap/otel-collector",
        "Secret/api-secrets", "Secret/migrations-secrets", "Secret/postgres-secrets", "Secret/redis-secrets",
        "Secret/stripe-emulator-secrets", "Secret/worker-secrets",
        "Service/api", "Service/otel-collector", "Service/postgres", "Service/redis", "Service/stripe-emulator",
        "PersistentVolumeClaim/stripe-emulator-data",
        "Deployment/api", "Deployment/otel-collector", "Deployment/stripe-emulator", "Deployment/worker",
        "StatefulSet/postgres", "StatefulSet/redis", "Job/migrations",
        "HorizontalPodAutoscaler/api", "PodDisruptionBudget/api", "PodDisruptionBudget/worker", "Ingress/billing",
        "NetworkPolicy/allow-dns", "NetworkPolicy/api-ingress", "NetworkPolicy/billing-services-egress", "NetworkPolicy/default-deny",
        "NetworkPolicy/otel-collector-ingress", "NetworkPolicy/postgres-ingress", "NetworkPolicy/redis-ingress", "NetworkPolicy/stripe-emulator",
    })]
    [InlineData(Overlay.Production, new[]
    {
        "Namespace/billing", "ConfigMap/billing-config", "Secret/api-secrets", "Secret/migrations-secrets", "Secret/worker-secrets",
        "Service/api", "Deployment/api", "Deployment/worker", "Job/migrations",
        "HorizontalPodAutoscaler/api", "PodDisruptionBudget/api", "PodDisruptionBudget/worker", "Ingress/billing",
        "NetworkPolicy/allow-dns", "NetworkPolicy/api-ingress", "NetworkPolicy/billing-services-egress", "NetworkPolicy/default-deny",
    })]
    public async Task The_overlay_renders_exactly_these_objects(string overlay, string[] expected)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        // Generated ConfigMaps and Secrets carry a hash of their content after their name.
        var names = rendered.Objects.Cast<IKubernetesObject<V1ObjectMeta>>()
            .Select(o => $"{o.Kind}/{System.Text.RegularExpressions.Regex.Replace(o.Metadata.Name, "-[a-z0-9]{10}$", "")}");
        Assert.Equal(expected.Order(), names.Order());
    }
}
