using System.Globalization;
using System.Text;

namespace Billing.Reliability.Tests.Harness;

/// <summary>One row of the suite's table, with the ledgers behind it.</summary>
public sealed record ScenarioResult(
    string Scenario,
    long Sent,
    long Succeeded,
    long Lost,
    long Doubled,
    long ServerErrors,
    long TransportErrors,
    double SecondsToRecover,
    long HardCapOvershoot,
    double PeakApiMegabytes,
    IReadOnlyList<LedgerLine> Ledgers,
    IReadOnlyList<string> Stuck)
{
    public IEnumerable<LedgerLine> Disagreeing => Ledgers.Where(l => !l.Agrees || l.Lost > 0 || l.Doubled > 0);

    public string Explain() => new StringBuilder()
        .AppendLine(ReliabilityReport.Row(this))
        .AppendJoin('\n', Stuck).AppendLine()
        .AppendJoin('\n', Ledgers).ToString();
}

/// <summary>The table the suite prints: every scenario run so far, written to <c>artifacts/reliability/table.md</c>.</summary>
public static class ReliabilityReport
{
    private static readonly Lock Gate = new();
    private static readonly List<ScenarioResult> Results = [];
    private static readonly List<string> Notes = [];

    public const string Header =
        "| scenario | requests sent | 2xx | lost | doubled | client-visible 5xx | no answer | s to recover | hard-cap overshoot | peak API MiB | periods a tenant | ledgers |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|";

    public static string Path { get; } = System.IO.Path.Combine(Billing.Testing.RepositoryPaths.Root, "artifacts", "reliability", "table.md");

    public static string Row(ScenarioResult r) => string.Create(CultureInfo.InvariantCulture,
        $"| {r.Scenario} | {r.Sent} | {r.Succeeded} | {r.Lost} | {r.Doubled} | {r.ServerErrors} | {r.TransportErrors} | {r.SecondsToRecover:F1} | {r.HardCapOvershoot} | {r.PeakApiMegabytes:F0} | {r.Ledgers.GroupBy(l => l.Tenant).Max(t => t.Select(l => l.Period).Distinct().Count())} | {(r.Disagreeing.Any() || r.Stuck.Count > 0 ? "DIFFER" : "agree")} |");

    public static void Add(ScenarioResult result)
    {
        lock (Gate)
        {
            Results.Add(result);
            Write();
        }
    }

    /// <summary>A figure a scenario measured beyond the table's, printed under it.</summary>
    public static void Note(string scenario, string text)
    {
        lock (Gate)
        {
            Notes.Add($"- {scenario}: {text}");
            Write();
        }
    }

    private static void Write()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var text = new StringBuilder(Header).AppendLine();
        foreach (var r in Results)
        {
            text.AppendLine(Row(r));
        }

        text.AppendLine().AppendLine("Ledgers that differ (confirmed / usage_events / aggregates / Stripe):");
        foreach (var r in Results)
        {
            foreach (var line in r.Disagreeing)
            {
                text.AppendLine($"- {r.Scenario}: {line}");
            }

            foreach (var note in r.Stuck)
            {
                text.AppendLine($"- {r.Scenario}: {note}");
            }
        }

        if (Notes.Count > 0)
        {
            text.AppendLine().AppendLine("Notes:").AppendJoin('\n', Notes).AppendLine();
        }

        File.WriteAllText(Path, text.ToString());
    }
}
