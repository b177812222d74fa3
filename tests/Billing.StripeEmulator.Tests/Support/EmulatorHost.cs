using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Billing.StripeEmulator.Tests.Support;

/// <summary>The emulator on a real Kestrel port, driven by the unchanged Stripe.net client and by raw HTTP.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    public const string ApiKey = "sk_test_emulator";
    public const string ApiVersion = "2026-10-28.endive";

    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        Stripe = NewClient();
    }

    public string BaseUrl { get; }

    /// <summary>Raw HTTP with the API key, for error shapes, idempotency and the control surface.</summary>
    public HttpClient Http { get; }

    public StripeClient Stripe { get; }

    /// <summary>The hosted pages as a browser without scripts uses them: no API key, redirects not followed.</summary>
    public HttpClient Browser { get; }

    public static Task<EmulatorHost> StartAsync(params string[] settings) => StartAsync(null, settings);

    public static async Task<EmulatorHost> StartAsync(Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--Emulator:WebhookRetryBaseMs=100", "--Emulator:BillingTickMs=200" };
        foreach (var setting in settings)
        {
            args.Add("--" + setting);
        }

        var app = EmulatorApp.Build(args.ToArray(), configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // Listening on every interface, the emulator is still reached over loopback.
        return new EmulatorHost(app, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    public StripeClient NewClient(string apiKey = ApiKey) => new(new StripeClientOptions
    {
        ApiKey = apiKey,
        ApiBase = BaseUrl,
        MeterEventsBase = BaseUrl,
        HttpClient = new SystemNetHttpClient(new HttpClient()),
    });

    /// <summary>Posts a Stripe form body and returns the status and parsed JSON.</summary>
    public async Task<(int Status, JsonNode Body, HttpResponseMessage Response)> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> form, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!, response);
    }

    public async Task<(int Status, JsonNode Body)> GetJsonAsync(string path)
    {
        var response = await Http.GetAsync(path);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>Submits a hosted page's form as a browser does; the status, the page and where it redirects.</summary>
    public async Task<(int Status, string Html, string? Location)> SubmitAsync(string url, params (string Name, string Value)[] fields)
    {
        using var response = await Browser.PostAsync(url, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString());
    }

    /// <summary>A test card typed into a hosted page's card form.</summary>
    public static (string, string)[] Card(string number, string expiry = "12 / 34", string cvc = "123", string name = "Jenny Rosen") =>
        [("number", number), ("expiry", expiry), ("cvc", cvc), ("name", name)];

    /// <summary>Posts JSON to the control surface.</summary>
    public async Task<JsonNode> ControlAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Browser.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
