using System.Text.Json;
using System.Text.RegularExpressions;

namespace Billing.Api.Problems;

/// <summary>
/// Validation problems name fields as the JSON bodies do. The framework's data-annotation validation keys its errors by
/// the C# property (<c>IdempotencyKey</c>, <c>Items[0].Name</c>) whatever the serializer's naming policy
/// (dotnet/aspnetcore#61764), while the bodies, and the hand-written checks, say <c>idempotencyKey</c>.
/// </summary>
public static partial class ValidationErrorKeys
{
    /// <summary>Renames every key to camelCase, segment by segment; keys that already are stay as they are.</summary>
    public static void CamelCase(IDictionary<string, string[]> errors)
    {
        foreach (var key in errors.Keys.ToList())
        {
            var camel = CamelCase(key);
            if (camel != key)
            {
                var messages = errors[key];
                errors.Remove(key);
                errors[camel] = errors.TryGetValue(camel, out var existing) ? [.. existing, .. messages] : messages;
            }
        }
    }

    /// <summary>
    /// <c>Items[0].Name</c> → <c>items[0].name</c>: each segment that is a C# property name, as the serializer names the
    /// property. Other segments are data the client sent, such as a metric key of an override (<c>quotas.API_CALLS</c>),
    /// and stay as written.
    /// </summary>
    public static string CamelCase(string key) =>
        string.Join('.', key.Split('.').Select(segment => PropertyName().IsMatch(segment) ? JsonNamingPolicy.CamelCase.ConvertName(segment) : segment));

    // An upper-case letter, then a lower-case letter or digit, then letters and digits; an index may follow.
    [GeneratedRegex(@"^[A-Z][a-z0-9][A-Za-z0-9]*(\[\d+\])?$")]
    private static partial Regex PropertyName();
}
