using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary>Stripe's metadata update rules: keys merge, an empty value removes a key, <c>metadata=</c> clears all.</summary>
public static class Metadata
{
    public static void Apply(Dictionary<string, string> target, FormTree form)
    {
        var node = form["metadata"];
        if (node is null)
        {
            return;
        }

        if (!node.HasChildren && string.IsNullOrEmpty(node.Value))
        {
            target.Clear();
            return;
        }

        foreach (var (key, value) in form.Map("metadata"))
        {
            if (value.Length == 0)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value;
            }
        }
    }
}
