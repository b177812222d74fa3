using Billing.Reliability.Tests.Harness;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>
/// The scenarios against one running system, one after another in a fixed order (<see cref="ScenarioAttribute"/>):
/// each leaves the system running, and the worker kills run late because a dead worker's job lock outlives the suite.
/// The period close runs last: it moves every clock a month and an hour forward for good.
/// </summary>
[TestCaseOrderer(typeof(ScenarioOrder))]
public sealed partial class FaultScenarios(ReliabilitySystem system)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
}
