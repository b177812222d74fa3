using Billing.Domain.Catalog;

namespace Billing.Api.Enforcement;

/// <summary>Lets a handler protected by <c>RequireQuota(metric, QuotaAmount.ReportedByHandler)</c> say what it consumed.</summary>
public static class UsageReporting
{
    private static readonly object Key = new();

    /// <summary>Records that this request consumed <paramref name="amount"/> units of <paramref name="metric"/> (adds up).</summary>
    public static void ReportUsage(this HttpContext context, Metric metric, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var reported = Reported(context);
        reported[metric] = reported.GetValueOrDefault(metric) + amount;
    }

    internal static long ReportedUsage(this HttpContext context, Metric metric) => Reported(context).GetValueOrDefault(metric);

    private static Dictionary<Metric, long> Reported(HttpContext context)
    {
        if (context.Items[Key] is not Dictionary<Metric, long> reported)
        {
            reported = [];
            context.Items[Key] = reported;
        }

        return reported;
    }
}
