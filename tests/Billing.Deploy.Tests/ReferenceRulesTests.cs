using Billing.Deploy.Tests.Rendering;
using Billing.Testing;
using k8s.Models;

namespace Billing.Deploy.Tests;

/// <summary>Every name one object gives another (selectors, ports, Secrets, ConfigMaps, volumes, backends) resolves in the rendered overlay.</summary>
public sealed class ReferenceRulesTests
{
    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_workload_selector_matches_its_pod_template_labels(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var selectors = rendered.All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Selector, d.Spec.Template))
            .Concat(rendered.All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Selector, s.Spec.Template)));

        Assert.All(selectors, s => Assert.True(Labels.Match(s.Selector, s.Template.Metadata.Labels), $"{s.Name}: selector does not match its pods"));
        Assert.All(rendered.All<V1PodDisruptionBudget>(), pdb =>
            Assert.True(rendered.PodTemplates().Any(p => Labels.Match(pdb.Spec.Selector, p.Template.Metadata.Labels)), $"PodDisruptionBudget {pdb.Metadata.Name} selects no pods"));
        Assert.All(rendered.All<V2HorizontalPodAutoscaler>(), hpa => Assert.Equal(hpa.Spec.ScaleTargetRef.Name, rendered.Deployment(hpa.Spec.ScaleTargetRef.Name).Metadata.Name));
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_service_target_port_is_a_container_port_of_the_pods_it_selects(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        foreach (var service in rendered.All<V1Service>())
        {
            var pods = rendered.PodTemplates().Where(p => Labels.Match(service.Spec.Selector, p.Template.Metadata.Labels)).ToList();
            Assert.True(pods.Count > 0, $"Service {service.Metadata.Name} selects no pods");
            foreach (var port in service.Spec.Ports)
            {
                Assert.All(pods, pod => Assert.True(
                    pod.Template.Spec.Containers.Any(c => ContainerPorts.Resolve(c, port.TargetPort) is not null),
                    $"Service {service.Metadata.Name} port {port.Name}: {port.TargetPort.Value} is no container port of {pod.Owner}"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_probe_port_is_a_container_port(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        foreach (var (owner, _, container, _) in rendered.Containers())
        {
            foreach (var probe in new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }.Where(p => p?.HttpGet is not null))
            {
                Assert.True(ContainerPorts.Resolve(container, probe!.HttpGet.Port) is not null, $"{owner} {container.Name}: probe port {probe.HttpGet.Port.Value} is not declared");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_secret_and_config_map_reference_names_an_object_and_key_the_overlay_defines(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        foreach (var (owner, template, container, _) in rendered.Containers())
        {
            var where = $"{owner} {container.Name}";
            foreach (var source in container.EnvFrom ?? [])
            {
                Assert.True(source.ConfigMapRef is null || rendered.ConfigMap(source.ConfigMapRef.Name) is not null, $"{where}: no ConfigMap {source.ConfigMapRef?.Name}");
                Assert.True(source.SecretRef is null || rendered.Secret(source.SecretRef.Name) is not null, $"{where}: no Secret {source.SecretRef?.Name}");
            }

            foreach (var variable in (container.Env ?? []).Where(e => e.ValueFrom is not null))
            {
                if (variable.ValueFrom.SecretKeyRef is { } secretRef)
                {
                    var secret = rendered.Secret(secretRef.Name);
                    Assert.True(secret is not null, $"{where} {variable.Name}: no Secret {secretRef.Name}");
                    Assert.True(secret.Data?.ContainsKey(secretRef.Key) == true, $"{where} {variable.Name}: Secret {secretRef.Name} has no key {secretRef.Key}");
                }

                if (variable.ValueFrom.ConfigMapKeyRef is { } configRef)
                {
                    Assert.True(rendered.ConfigMap(configRef.Name)?.Data?.ContainsKey(configRef.Key) == true, $"{where} {variable.Name}: no key {configRef.Key} in ConfigMap {configRef.Name}");
                }
            }

            foreach (var volume in template.Spec.Volumes ?? [])
            {
                Assert.True(volume.ConfigMap is null || rendered.ConfigMap(volume.ConfigMap.Name) is not null, $"{owner}: volume {volume.Name} names no ConfigMap");
                Assert.True(volume.Secret is null || rendered.Secret(volume.Secret.SecretName) is not null, $"{owner}: volume {volume.Name} names no Secret");
                Assert.True(volume.PersistentVolumeClaim is null || rendered.All<V1PersistentVolumeClaim>().Any(c => c.Metadata.Name == volume.PersistentVolumeClaim.ClaimName), $"{owner}: volume {volume.Name} names no claim");
            }

            Assert.All(container.VolumeMounts ?? [], mount => Assert.Contains(mount.Name,
                (template.Spec.Volumes ?? []).Select(v => v.Name).Concat(VolumeClaimNames(rendered, owner))));
        }
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task The_ingress_routes_the_api_the_dashboard_and_stripe_webhooks_to_a_defined_service_port(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var ingress = Assert.Single(rendered.All<V1Ingress>());
        var paths = ingress.Spec.Rules.SelectMany(r => r.Http.Paths).ToList();

        Assert.Equal(["/", "/api", "/api/v1/webhooks/stripe"], paths.Select(p => p.Path).Order());
        Assert.All(paths, p =>
        {
            var service = rendered.Service(p.Backend.Service.Name);
            Assert.True(service is not null, $"{p.Path}: no Service {p.Backend.Service.Name}");
            Assert.Contains(service.Spec.Ports, port => port.Name == p.Backend.Service.Port.Name);
        });
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Objects_an_operator_creates_are_listed_in_the_readme(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "README.md"), TestContext.Current.CancellationToken);

        var external = rendered.All<V1Ingress>().SelectMany(i => i.Spec.Tls ?? []).Select(t => t.SecretName).ToList();
        Assert.All(external, name =>
        {
            Assert.Null(rendered.Secret(name));
            Assert.Contains($"`{name}`", readme, StringComparison.Ordinal);
        });
    }

    private static IEnumerable<string> VolumeClaimNames(RenderedOverlay rendered, string owner) =>
        rendered.All<V1StatefulSet>().Where(s => $"StatefulSet/{s.Metadata.Name}" == owner)
            .SelectMany(s => s.Spec.VolumeClaimTemplates ?? []).Select(t => t.Metadata.Name);
}
