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

    /// <summary>A client of <paramref name="factory"/> that sends <paramref name="key"/> as its bearer key.</summary>
    public static HttpClient ClientWithKey(this WebApplicationFactory<Billing.Api.Auth.CurrentTenant> factory, string key)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
