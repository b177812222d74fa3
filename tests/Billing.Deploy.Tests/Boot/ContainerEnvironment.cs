using System.Text;
using System.Text.RegularExpressions;
using Billing.Deploy.Tests.Rendering;
using k8s.Models;

namespace Billing.Deploy.Tests.Boot;

/// <summary>
/// The environment the kubelet gives a container: the image's own variables, then <c>envFrom</c> in order, then
/// <c>env</c> in order with <c>$(VAR)</c> references to earlier variables expanded. A reference to a ConfigMap or Secret,
/// or to a key of one, that the overlay does not define fails as the kubelet fails it (CreateContainerConfigError).
/// </summary>
public static partial class ContainerEnvironment
{
    public static Dictionary<string, string> Resolve(RenderedOverlay overlay, string workload, V1Container container, IReadOnlyDictionary<string, string> imageEnvironment)
    {
        var environment = new Dictionary<string, string>(imageEnvironment, StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            foreach (var (key, value) in Source(overlay, workload, source.ConfigMapRef?.Name, source.SecretRef?.Name, source.ConfigMapRef?.Optional ?? source.SecretRef?.Optional))
            {
                environment[(source.Prefix ?? "") + key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            var value = variable.ValueFrom switch
            {
                null => Expand(variable.Value ?? "", environment),
                { SecretKeyRef: { } secret } => Key(overlay, workload, variable.Name, null, secret.Name, secret.Key, secret.Optional),
                { ConfigMapKeyRef: { } config } => Key(overlay, workload, variable.Name, config.Name, null, config.Key, config.Optional),
                _ => throw new BootFailure(workload, $"{variable.Name}: this harness resolves no {nameof(V1EnvVarSource)} but Secret and ConfigMap keys"),
            };
            if (value is not null)
            {
                environment[variable.Name] = value;
            }
        }

        return environment;
    }

    private static IEnumerable<KeyValuePair<string, string>> Source(RenderedOverlay overlay, string workload, string? configMap, string? secret, bool? optional)
    {
        if (configMap is not null)
        {
            return overlay.ConfigMap(configMap)?.Data ?? Missing(workload, $"ConfigMap {configMap}", optional);
        }

        var data = overlay.Secret(secret!)?.Data ?? (optional == true ? new Dictionary<string, byte[]>() : throw new BootFailure(workload, $"no Secret {secret}"));
        return data.Select(pair => KeyValuePair.Create(pair.Key, Encoding.UTF8.GetString(pair.Value)));
    }

    private static IDictionary<string, string> Missing(string workload, string what, bool? optional) =>
        optional == true ? new Dictionary<string, string>() : throw new BootFailure(workload, $"no {what}");

    private static string? Key(RenderedOverlay overlay, string workload, string variable, string? configMap, string? secret, string key, bool? optional)
    {
        var values = Source(overlay, workload, configMap, secret, optional).ToDictionary();
        return values.TryGetValue(key, out var value) ? value
            : optional == true ? null
            : throw new BootFailure(workload, $"{variable}: {(configMap is null ? $"Secret {secret}" : $"ConfigMap {configMap}")} has no key {key}");
    }

    /// <summary><c>$(NAME)</c> becomes an earlier variable's value (left as it is when undefined); <c>$$</c> escapes.</summary>
    private static string Expand(string value, IReadOnlyDictionary<string, string> environment) =>
        Reference().Replace(value, match => match.Value == "$$" ? "$"
            : environment.TryGetValue(match.Groups[1].Value, out var defined) ? defined : match.Value);

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex Reference();
}
