using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// An API replica on a real loopback port (as a gateway reaches it) with the tests' gateway routes, counting the
/// authorizer's requests it answered.
/// </summary>
public sealed class GatewayReplica : IAsyncDisposable
{
    /// <summary>The routes of the service behind the gateway in these tests.</summary>
    public static readonly (string Key, string Value)[] Routes =
    [
        ("Gateway:Routes:0:Match", "POST /v1/chat/*"),
        ("Gateway:Routes:0:Consume:api_calls", "1"),
        ("Gateway:Routes:1:Match", "POST /v1/agents/*"),
        ("Gateway:Routes:1:Consume:agent_executions", "1"),
        ("Gateway:Routes:1:Consume:api_calls", "2"),
        ("Gateway:Routes:2:Match", "GET /v1/status"),
        // nginx and the tests reach the replica on loopback, which is a known proxy: the client's address counts.
        ("ForwardedHeaders:Enabled", "true"),
    ];

    private readonly WebApplicationFactory<Billing.Api.Auth.CurrentTenant> _factory;
    private readonly AuthorizationCounter _counter;

    private GatewayReplica(WebApplicationFactory<Billing.Api.Auth.CurrentTenant> factory, AuthorizationCounter counter) => (_factory, _counter) = (factory, counter);

    public Uri Address => new(_factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public IServiceProvider Services => _factory.Services;

    /// <summary>Requests to the authorizer's endpoints this replica answered.</summary>
    public int Authorizations => _counter.Count;

    /// <summary>Starts a replica of <paramref name="api"/> with <see cref="Routes"/> and then <paramref name="settings"/>.</summary>
    public static GatewayReplica Start(ApiFactory api, params (string Key, string Value)[] settings)
    {
        var counter = new AuthorizationCounter();
        var factory = api.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in ((string, string)[])[("urls", "http://127.0.0.1:0"), .. Routes, .. settings])
            {
                b.UseSetting(key, value);
            }

            b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(counter));
        });
        factory.UseKestrel();
        factory.StartServer();
        return new GatewayReplica(factory, counter);
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address };

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed class AuthorizationCounter : IStartupFilter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/api/v1/gateway", StringComparison.OrdinalIgnoreCase))
                {
                    Interlocked.Increment(ref _count);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
