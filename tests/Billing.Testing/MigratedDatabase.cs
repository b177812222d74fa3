using Xunit;

namespace Billing.Testing;

/// <summary>
/// One migrated database for all the tests of a class (<c>IClassFixture</c>), for tests that leave its schema alone
/// and whose rows do not meet.
/// </summary>
public sealed class MigratedDatabase(DataStoresFixture stores) : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Database = await stores.CreateMigratedDatabaseAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
