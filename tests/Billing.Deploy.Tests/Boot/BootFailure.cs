namespace Billing.Deploy.Tests.Boot;

/// <summary>The manifests do not start the system: which workload stopped it, and why (with its output).</summary>
public sealed class BootFailure(string workload, string reason) : Exception($"{workload}: {reason}")
{
    public string Workload { get; } = workload;
}
