using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace Billing.StripeEmulator.Wire;

/// <summary>
/// Stripe's bracket notation (<c>items[0][price]=p</c>, <c>metadata[k]=v</c>, <c>expand[]=x</c>) parsed into a tree.
/// Arrays are nodes whose children have numeric keys.
/// </summary>
public sealed class FormTree
{
    private readonly Dictionary<string, FormTree> _children = new(StringComparer.Ordinal);

    public string? Value { get; private set; }

    public bool HasChildren => _children.Count > 0;

    public IReadOnlyDictionary<string, FormTree> Children => _children;

    public static FormTree Parse(string? query, string? form)
    {
        var root = new FormTree();
        foreach (var source in new[] { query, form })
        {
            if (string.IsNullOrEmpty(source))
            {
                continue;
            }

            foreach (var pair in new QueryStringEnumerable(source))
            {
                root.Add(pair.DecodeName().ToString(), pair.DecodeValue().ToString());
            }
        }

        return root;
    }

    private void Add(string name, string value)
    {
        var segments = Segments(name);
        var node = this;
        foreach (var segment in segments)
        {
            var key = segment.Length == 0 ? node._children.Count.ToString(CultureInfo.InvariantCulture) : segment;
            if (!node._children.TryGetValue(key, out var child))
            {
                child = new FormTree();
                node._children[key] = child;
            }

            node = child;
        }

        node.Value = value;
    }

    private static List<string> Segments(string name)
    {
        var open = name.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return [name];
        }

        var segments = new List<string> { name[..open] };
        var rest = name[open..];
        while (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            segments.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }

        return segments;
    }

    public FormTree? this[string key] => _children.GetValueOrDefault(key);

    public bool Has(string key) => _children.ContainsKey(key);

    public string? Str(string key) => this[key]?.Value;

    /// <summary>An updatable text field: the current value when absent, null when sent empty (Stripe's way to unset).</summary>
    public string? Text(string key, string? current) => Has(key) ? Str(key) is { Length: > 0 } value ? value : null : current;

    public string Required(string key) =>
        string.IsNullOrEmpty(Str(key)) ? throw StripeError.MissingParam(key) : Str(key)!;

    public long? Long(string key)
    {
        var text = Str(key);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeError.InvalidParam(key, $"Invalid integer: {text}");
    }

    public decimal? Decimal(string key)
    {
        var text = Str(key);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeError.InvalidParam(key, $"Invalid decimal: {text}");
    }

    public bool? Bool(string key)
    {
        var text = Str(key);
        return text switch
        {
            null or "" => null,
            "true" => true,
            "false" => false,
            _ => throw StripeError.InvalidParam(key, $"Invalid boolean: {text}"),
        };
    }

    /// <summary>The children of an array node, in index order.</summary>
    public IReadOnlyList<FormTree> List(string key)
    {
        var node = this[key];
        if (node is null)
        {
            return [];
        }

        return node._children
            .OrderBy(pair => int.TryParse(pair.Key, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue)
            .Select(pair => pair.Value)
            .ToList();
    }

    public IReadOnlyList<string> Strings(string key) =>
        List(key).Select(node => node.Value).OfType<string>().Where(value => value.Length > 0).ToList();

    /// <summary>Flat string map (metadata, payload); an empty value means "unset this key", as in Stripe.</summary>
    public Dictionary<string, string> Map(string key) =>
        this[key]?._children
            .Where(pair => pair.Value.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value.Value!, StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A canonical rendering used to compare the parameters of two requests.</summary>
    public string Fingerprint()
    {
        var parts = new List<string>();
        Flatten("", parts);
        parts.Sort(StringComparer.Ordinal);
        return string.Join('&', parts);
    }

    private void Flatten(string prefix, List<string> parts)
    {
        if (Value is not null)
        {
            parts.Add($"{prefix}={Value}");
        }

        foreach (var (key, child) in _children)
        {
            child.Flatten(prefix.Length == 0 ? key : $"{prefix}[{key}]", parts);
        }
    }
}
