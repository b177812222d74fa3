using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Hosting;
using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// Who may use <c>/_emulator/</c> (reset, faults, the clock): anyone on loopback when no key is configured, only holders of
/// <c>Emulator:ApiKey</c> when one is, and nobody when the emulator listens beyond loopback without a key. (Those tests
/// listen on every interface for a moment; their requests still go over loopback.)
/// </summary>
public sealed class ControlSurfaceAccessTests
{
    private const string EveryInterface = "urls=http://0.0.0.0:0";
    private const string ConfiguredKey = "sk_test_control_surface_key";

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> ResetAsync(EmulatorHost host, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_emulator/reset");
        request.Headers.Authorization = bearer is null ? null : new AuthenticationHeaderValue("Bearer", bearer);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Beyond_loopback_without_a_key_the_control_surface_is_closed_and_nothing_changes()
    {
        await using var host = await EmulatorHost.StartAsync(EveryInterface);
        await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "kept@example.com" }, cancellationToken: TestContext.Current.CancellationToken);

        var reset = await ResetAsync(host, EmulatorHost.ApiKey);
        var clock = await host.Http.PostAsJsonAsync("/_emulator/clock", new { advanceSeconds = 86_400 }, TestContext.Current.CancellationToken);
        var faults = await host.Http.GetAsync("/_emulator/faults", TestContext.Current.CancellationToken);
        var customers = await host.Stripe.V1.Customers.ListAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, reset.Status);
        Assert.Contains("Emulator:ApiKey", reset.Body!["error"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, clock.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, faults.StatusCode);
        Assert.Equal("kept@example.com", Assert.Single(customers.Data).Email);
    }

    [Fact]
    public async Task Beyond_loopback_with_a_key_only_that_key_opens_it()
    {
        await using var host = await EmulatorHost.StartAsync(EveryInterface, $"Emulator:ApiKey={ConfiguredKey}");

        var none = await ResetAsync(host, null);
        var wrong = await ResetAsync(host, "sk_test_someone_else");
        var right = await ResetAsync(host, ConfiguredKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.True(right.Body!["reset"]!.GetValue<bool>());
    }

    [Fact]
    public async Task On_loopback_without_a_key_it_stays_open_for_local_tests()
    {
        await using var host = await EmulatorHost.StartAsync();

        var reset = await ResetAsync(host, null);

        Assert.Equal(HttpStatusCode.OK, reset.Status);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://10.1.2.3:5000", false)]
    [InlineData("http://stripe-emulator:8080", false)]
    public void Only_loopback_addresses_count_as_local(string address, bool loopback) =>
        Assert.Equal(loopback, ListeningAddresses.IsLoopback(address));
}
