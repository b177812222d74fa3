using Billing.Reliability.Tests.Harness;

[assembly: AssemblyFixture(typeof(ReliabilitySystem))]
