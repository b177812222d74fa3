using k8s;
using k8s.Models;

namespace Billing.Deploy.Tests.Rendering;

/// <summary>What an overlay renders to, every object loaded with KubernetesClient in strict mode (an unknown field fails).</summary>
public sealed class RenderedOverlay(string name, IReadOnlyList<object> objects)
{
    public string Name { get; } = name;

    public IReadOnlyList<object> Objects { get; } = objects;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<RenderedOverlay>> Rendered = new();

    /// <summary>The overlay as committed, rendered once per test run.</summary>
    public static Task<RenderedOverlay> OfAsync(string overlay) => Rendered.GetOrAdd(overlay, name => RenderAsync(name));

    /// <summary>Renders the overlay afresh: objects a test may change (a manifest with a setting missing or misnamed).</summary>
    public static async Task<RenderedOverlay> RenderAsync(string overlay)
    {
        var copy = await KustomizeRenderer.PrepareCopyAsync(overlay);
        try
        {
            return new(overlay, KubernetesYaml.LoadAllFromString(await KustomizeRenderer.RenderAsync(copy, overlay), strict: true));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public V1Deployment Deployment(string name) => Single<V1Deployment>(name, d => d.Metadata);

    public V1Service? Service(string name) => All<V1Service>().SingleOrDefault(s => s.Metadata.Name == name);

    public V1ConfigMap? ConfigMap(string name) => All<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name);

    /// <summary>A generated ConfigMap by the name its generator gives it, before the hash of its content.</summary>
    public V1ConfigMap GeneratedConfigMap(string name) => All<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal));

    public V1Secret? Secret(string name) => All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name);

    /// <summary>Every pod template: of the Deployments, StatefulSets and Jobs, named "Kind/name".</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template)))
            .Concat(All<V1Job>().Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template)));

    /// <summary>Every container of every pod template, init containers included.</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template, V1Container Container, bool IsInit)> Containers() =>
        PodTemplates().SelectMany(p => (p.Template.Spec.InitContainers ?? []).Select(c => (p.Owner, p.Template, c, true))
            .Concat(p.Template.Spec.Containers.Select(c => (p.Owner, p.Template, c, false))));

    private T Single<T>(string name, Func<T, V1ObjectMeta> metadata) =>
        All<T>().SingleOrDefault(o => metadata(o).Name == name) ?? throw new InvalidOperationException($"The {Name} overlay renders no {typeof(T).Name} {name}.");
}
