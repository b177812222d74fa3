using Billing.Testing;

// One real PostgreSQL and Redis for the whole assembly; each test class migrates its own database.
[assembly: AssemblyFixture(typeof(DataStoresFixture))]
