using Billing.Reliability.Tests.Harness;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>The targets every scenario is held to.</summary>
public static class ScenarioAssert
{
    public const double RecoverySeconds = 10;

    /// <summary>
    /// Nothing confirmed is missing, nothing is counted twice, usage_events = aggregates = Stripe for every tenant and
    /// metric, the drain finished, clients saw no failure later than 10 s after the fault ended, and no hard cap was passed.
    /// </summary>
    public static void Holds(ScenarioResult result)
    {
        var explanation = result.Explain();
        Assert.True(result.Succeeded > 0, "the load got no 2xx at all\n" + explanation);
        Assert.True(result.Stuck.Count == 0, explanation);
        Assert.True(result.Lost == 0, "lost: " + explanation);
        Assert.True(result.Doubled == 0, "doubled: " + explanation);
        Assert.True(result.Ledgers.All(l => l.Agrees), "ledgers differ: " + explanation);
        Assert.True(result.SecondsToRecover <= RecoverySeconds, "recovery: " + explanation);
        Assert.True(result.HardCapOvershoot == 0, "hard-cap overshoot: " + explanation);
    }
}
