using Billing.Testing;

[assembly: AssemblyFixture(typeof(DataStoresFixture))]
