namespace Billing.Infrastructure.Security;

/// <summary>
/// What a tenant API key may do. A key leaked from an ingestion service should report usage, not change the plan:
/// <see cref="Ingest"/> sends usage and asks for entitlements, <see cref="Read"/> reads usage, invoices, alerts and the
/// subscription, <see cref="Manage"/> changes the plan, cancels, and manages keys and alert settings.
/// </summary>
public static class ApiScopes
{
    public const string Ingest = "ingest";
    public const string Read = "read";
    public const string Manage = "manage";

    /// <summary>Every scope, in the order lists show them (and what keys issued before scopes existed hold).</summary>
    public static readonly IReadOnlyList<string> All = [Ingest, Read, Manage];

    public static bool IsKnown(string? scope) => scope is Ingest or Read or Manage;

    /// <summary>The scopes in <see cref="All"/>'s order, each once.</summary>
    public static string[] Normalize(IEnumerable<string> scopes)
    {
        var set = scopes.ToHashSet(StringComparer.Ordinal);
        return [.. All.Where(set.Contains)];
    }
}
