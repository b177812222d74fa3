using Billing.Testing;
using YamlDotNet.RepresentationModel;

namespace Billing.Api.Tests.Gateway;

/// <summary>The shipped gateway configurations under deploy/gateway, read as YAML documents.</summary>
internal static class ShippedYaml
{
    public static string PathOf(string relative) => Path.Combine(RepositoryPaths.Root, "deploy", "gateway", relative);

    public static IReadOnlyList<YamlMappingNode> Documents(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(PathOf(relative));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    public static YamlNode At(this YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step switch
            {
                string key => ((YamlMappingNode)node).Children[new YamlScalarNode(key)],
                int index => ((YamlSequenceNode)node)[index],
                _ => throw new ArgumentException($"{step} is not a key or an index."),
            };
        }

        return node;
    }

    public static bool Has(this YamlNode node, string key) => node is YamlMappingNode map && map.Children.ContainsKey(new YamlScalarNode(key));

    public static string Text(this YamlNode node, params object[] path) => ((YamlScalarNode)node.At(path)).Value!;

    public static IEnumerable<YamlNode> Items(this YamlNode node, params object[] path) => (YamlSequenceNode)node.At(path);

    public static IReadOnlyList<string> Texts(this YamlNode node, params object[] path) => [.. node.Items(path).Select(n => ((YamlScalarNode)n).Value!)];
}
