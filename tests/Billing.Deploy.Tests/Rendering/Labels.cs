using k8s.Models;

namespace Billing.Deploy.Tests.Rendering;

/// <summary>Kubernetes label selection: equality maps and <c>matchLabels</c> / <c>matchExpressions</c>.</summary>
public static class Labels
{
    public static bool Match(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && selector.All(pair => labels?.TryGetValue(pair.Key, out var value) == true && value == pair.Value);

    /// <summary>An empty selector selects everything, as in a NetworkPolicy's <c>podSelector: {}</c>.</summary>
    public static bool Match(V1LabelSelector selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        var byLabels = (selector.MatchLabels ?? new Dictionary<string, string>()).All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
        var byExpressions = (selector.MatchExpressions ?? []).All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var value) && e.Values.Contains(value),
            "NotIn" => !labels.TryGetValue(e.Key, out var value) || !e.Values.Contains(value),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => throw new InvalidOperationException($"Unknown selector operator {e.OperatorProperty}"),
        });
        return byLabels && byExpressions;
    }
}
