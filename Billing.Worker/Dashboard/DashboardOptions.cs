namespace Billing.Worker.Dashboard;

/// <summary>The Hangfire dashboard outside Development (section <c>HangfireDashboard</c>); the operator key is <c>Auth:OperatorKey</c>.</summary>
public sealed class HangfireDashboardOptions
{
    public const string SectionName = "HangfireDashboard";

    /// <summary>Lets the signed-in operator trigger, requeue and delete jobs; read-only when false (the default).</summary>
    public bool AllowWrites { get; set; }
}
