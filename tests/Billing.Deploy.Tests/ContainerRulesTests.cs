using Billing.Deploy.Tests.Rendering;
using k8s.Models;

namespace Billing.Deploy.Tests;

/// <summary>
/// Every container's probes, resources, security context and image, as rendered. Probes are for containers that serve:
/// init containers and the migrations Job run to completion, and Kubernetes allows them none.
/// </summary>
public sealed class ContainerRulesTests
{
    /// <summary>The images built from this repository: they serve <c>/health</c> and <c>/alive</c>.</summary>
    private static readonly string[] BillingImages = ["billing-api", "billing-worker", "billing-migrations", "billing-stripe-emulator"];

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_serving_container_has_startup_readiness_and_liveness_probes(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        foreach (var (owner, _, container, _) in rendered.Containers().Where(c => !c.IsInit && !c.Owner.StartsWith("Job/", StringComparison.Ordinal)))
        {
            var where = $"{owner} container {container.Name}";
            Assert.True(container.StartupProbe is not null, $"{where}: no startup probe");
            Assert.True(container.ReadinessProbe is not null, $"{where}: no readiness probe");
            Assert.True(container.LivenessProbe is not null, $"{where}: no liveness probe");
            if (BillingImages.Contains(ImageName(container.Image)))
            {
                Assert.Equal("/health", container.ReadinessProbe.HttpGet?.Path);
                Assert.Equal("/alive", container.LivenessProbe.HttpGet?.Path);
                Assert.Equal("/alive", container.StartupProbe.HttpGet?.Path);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_container_has_resource_requests_and_limits(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        Assert.All(rendered.Containers(), c =>
        {
            var resources = c.Container.Resources;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                Assert.True(resources?.Requests?.ContainsKey(resource) == true, $"{c.Owner} {c.Container.Name}: no {resource} request");
                Assert.True(resources?.Limits?.ContainsKey(resource) == true, $"{c.Owner} {c.Container.Name}: no {resource} limit");
            }
        });
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_container_runs_as_non_root_on_a_read_only_file_system_without_privileges(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        Assert.All(rendered.Containers(), c =>
        {
            var where = $"{c.Owner} {c.Container.Name}";
            var pod = c.Template.Spec.SecurityContext;
            var own = c.Container.SecurityContext;
            Assert.True((own?.RunAsNonRoot ?? pod?.RunAsNonRoot) == true, $"{where}: runAsNonRoot is not set");
            Assert.True((own?.SeccompProfile ?? pod?.SeccompProfile)?.Type == "RuntimeDefault", $"{where}: no RuntimeDefault seccomp profile");
            Assert.True(own?.ReadOnlyRootFilesystem == true, $"{where}: the root file system is writable");
            Assert.True(own?.AllowPrivilegeEscalation == false, $"{where}: privilege escalation is allowed");
            Assert.Equal(["ALL"], own?.Capabilities?.Drop ?? []);
            Assert.Null(own?.Capabilities?.Add);
            Assert.True(own?.Privileged is null or false, $"{where}: privileged");
        });
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Every_image_carries_the_tag_its_overlay_sets_and_never_latest(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var kustomization = await File.ReadAllTextAsync(Path.Combine(KustomizeRenderer.DeployDirectory, "overlays", overlay, "kustomization.yaml"), TestContext.Current.CancellationToken);

        Assert.All(rendered.Containers(), c =>
        {
            var image = c.Container.Image;
            var tag = image[(image.LastIndexOf(':') + 1)..];
            Assert.True(image.Contains(':', StringComparison.Ordinal) && !tag.Contains('/', StringComparison.Ordinal), $"{c.Owner} {c.Container.Name}: {image} has no tag");
            Assert.NotEqual("latest", tag);
            Assert.Contains($"newTag: \"{tag}\"", kustomization, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void No_base_manifest_names_an_image_tag()
    {
        var images = Directory.EnumerateFiles(Path.Combine(KustomizeRenderer.DeployDirectory, "base"), "*.yaml")
            .Concat(Directory.EnumerateFiles(Path.Combine(KustomizeRenderer.DeployDirectory, "overlays"), "*.yaml", SearchOption.AllDirectories))
            .Where(file => Path.GetFileName(file) != "kustomization.yaml")
            .SelectMany(File.ReadAllLines)
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("image:", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(images);
        Assert.All(images, line => Assert.DoesNotContain(':', line["image:".Length..]));
    }

    internal static string ImageName(string image)
    {
        var withoutTag = image.Contains(':', StringComparison.Ordinal) ? image[..image.LastIndexOf(':')] : image;
        return withoutTag[(withoutTag.LastIndexOf('/') + 1)..];
    }
}
