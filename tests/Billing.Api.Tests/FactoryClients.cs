using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Billing.Api.Tests;

/// <summary>API replicas made with <c>WithWebHostBuilder</c>, which are not <see cref="ApiFactory"/> themselves, and their clients.</summary>
public static class FactoryClients
{
    /// <summary>A replica of <paramref name="api"/> on the same database and Redis, with <paramref name="settings"/> of its own.</summary>
    public static WebApplicationFactory<Billing.Api.Auth.CurrentTenant> Replica(this ApiFactory api, params (string Key, string Value)[] settings) =>
        api.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
        });

    /// <summary>
    /// A replica of <paramref name="api"/> served by Kestrel on a free loopback port, for what only a real server does
    /// (body limits enforced while reading, the client's address). <c>UseKestrel(0)</c> on a replica would not take the port.
    /// </summary>
    public static WebApplicationFactory<Billing.Api.Auth.CurrentTenant> ReplicaOnKestrel(this ApiFactory api, params (string Key, string Value)[] settings)
    {
        var server = api.Replica([("urls", "http://127.0.0.1:0"), .. settings]);
        server.UseKestrel();
        server.StartServer();
        return server;
    }

    /// <summary>A client of <paramref name="factory"/> that sends <paramref name="key"/> as its bearer key.</summary>
    public static HttpClient ClientWithKey(this WebApplicationFactory<Billing.Api.Auth.CurrentTenant> factory, string key)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
