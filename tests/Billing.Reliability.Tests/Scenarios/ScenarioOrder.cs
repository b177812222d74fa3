using System.Reflection;
using Xunit.Sdk;
using Xunit.v3;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>The position of a scenario in the suite's run.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ScenarioAttribute(int position) : Attribute
{
    public int Position { get; } = position;
}

/// <summary>Runs <see cref="FaultScenarios"/> in the order of their <see cref="ScenarioAttribute"/>.</summary>
public sealed class ScenarioOrder : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase =>
        [.. testCases.OrderBy(c => typeof(FaultScenarios).GetMethod(c.TestMethodName!)?.GetCustomAttribute<ScenarioAttribute>()?.Position ?? int.MaxValue)];
}
