using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Billing.Api.Tests;

/// <summary>Clients of API replicas made with <c>WithWebHostBuilder</c>, which are not <see cref="ApiFactory"/> themselves.</summary>
public static class FactoryClients
{
    /// <summary>A client of <paramref name="factory"/> that sends <paramref name="key"/> as its bearer key.</summary>
    public static HttpClient ClientWithKey(this WebApplicationFactory<Billing.Api.Auth.CurrentTenant> factory, string key)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
