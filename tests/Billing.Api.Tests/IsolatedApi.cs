using Billing.Testing;

namespace Billing.Api.Tests;

/// <summary>
/// The API on a PostgreSQL and a Redis of its own, for tests that stop them: stopping the assembly's shared ones would
/// disturb the other test classes.
/// </summary>
public sealed class IsolatedApi : IAsyncDisposable
{
    private IsolatedApi(DataStoresFixture stores, ApiFactory api) => (Stores, Api) = (stores, api);

    public DataStoresFixture Stores { get; }

    public ApiFactory Api { get; }

    public static async Task<IsolatedApi> StartAsync()
    {
        var stores = new DataStoresFixture();
        await stores.InitializeAsync();
        var api = new ApiFactory(stores);
        await api.InitializeAsync();
        return new IsolatedApi(stores, api);
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Stores.DisposeAsync();
    }
}
