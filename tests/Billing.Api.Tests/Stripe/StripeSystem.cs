using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Tenancy;
using Billing.StripeEmulator;
using Billing.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stripe;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// The API on a real port wired to the Stripe emulator (itself on a real port, delivering signed
/// webhooks to the API), with the catalog synced as the migration service syncs it (the owner's login); the worker's
/// webhook processing, on the worker's login, is driven by the tests.
/// </summary>
public class StripeSystem : IAsyncLifetime
{
    private readonly DataStoresFixture _stores;
    private readonly string[] _emulatorSettings;

    public StripeSystem(DataStoresFixture stores)
        : this(stores, [])
    {
    }

    /// <param name="emulatorSettings">More of the emulator's command-line settings (<c>--Emulator:PaymentRetryDays</c>, <c>2,4,10</c>).</param>
    protected StripeSystem(DataStoresFixture stores, string[] emulatorSettings)
    {
        _stores = stores;
        _emulatorSettings = emulatorSettings;
    }

    public const string SecretKey = "sk_test_stripe_system";
    public const string WebhookSecret = "whsec_stripe_system_0123456789";

    private WebApplication? _emulator;
    private ApiOnKestrel? _api;
    private IHost? _worker;

    public string EmulatorUrl { get; private set; } = "";
    public TestDatabase Database { get; private set; } = null!;

    /// <summary>The superuser's connection to the system's database.</summary>
    public string ConnectionString => Database.Superuser;
    public HttpClient Emulator { get; } = new();

    public ApiOnKestrel Api => _api ?? throw new InvalidOperationException("not started");

    /// <summary>The API's clock: the wall clock unless a test moves it along with the emulator's (<see cref="SetClocksAsync"/>).</summary>
    public ShiftedClock ApiClock { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Database = await _stores.CreateMigratedDatabaseAsync();
        EmulatorUrl = $"http://127.0.0.1:{LocalServerProcess.FreePort()}";
        _api = new ApiOnKestrel(Database.Api, _stores.Redis.ConnectionString, EmulatorUrl, ApiClock);
        _api.UseKestrel(0);
        _api.StartServer();
        _emulator = EmulatorApp.Build([
            "--urls", EmulatorUrl,
            "--Emulator:ApiKey", SecretKey,
            "--Emulator:WebhookSecret", WebhookSecret,
            "--Emulator:WebhookUrl", new Uri(_api.ClientOptions.BaseAddress, "/api/v1/webhooks/stripe").ToString(),
            "--Emulator:WebhookRetryBaseMs", "100",
            "--Emulator:BillingTickMs", "200",
            .. _emulatorSettings,
        ]);
        await _emulator.StartAsync();
        Emulator.BaseAddress = new Uri(EmulatorUrl);
        Emulator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SecretKey);
        await SyncCatalogAsync();
        _worker = Host(InfrastructureRegistration.DatabaseConnectionName, Database.Worker, b => b.AddBillingDatabase().AddBillingCache().AddBillingStripe());
    }

    /// <summary>Runs the catalog sync as the migration service does: on the owner's login.</summary>
    public async Task<CatalogSync.Result> SyncCatalogAsync()
    {
        using var owner = Host(InfrastructureRegistration.OwnerConnectionName, Database.Owner,
            b => b.AddBillingDatabase(connectionName: InfrastructureRegistration.OwnerConnectionName).AddBillingStripeClient());
        await using var scope = owner.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CatalogSync>().RunAsync(CancellationToken.None);
    }

    /// <summary>A host (not started) of Infrastructure's registrations, on <paramref name="login"/>, Redis and the emulator.</summary>
    private IHost Host(string connectionName, string login, Action<IHostApplicationBuilder> register)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{connectionName}"] = login,
            ["ConnectionStrings:redis"] = _stores.Redis.ConnectionString,
            ["Stripe:SecretKey"] = SecretKey,
            ["Stripe:ApiBase"] = EmulatorUrl,
        });
        register(builder);
        return builder.Build();
    }

    public StripeClient Stripe => Api.Services.GetRequiredService<StripeClient>();

    public BillingDbContext CreateDbContext() => DataStoresFixture.CreateDbContext(ConnectionString);

    public HttpClient Client(string key)
    {
        var client = Api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A tenant with a key, created as the operator does.</summary>
    public async Task<(Guid TenantId, string Key)> CreateTenantAsync(string plan)
    {
        using var http = Client(ApiOnKestrel.OperatorKey);
        var tenant = await (await http.PostAsJsonAsync("/api/v1/tenants", new { name = $"stripe-{Guid.NewGuid():N}", plan })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = tenant.GetProperty("id").GetGuid();
        var key = await (await http.PostAsJsonAsync($"/api/v1/tenants/{id}/api-keys", new { })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        return (id, key.GetProperty("key").GetString()!);
    }

    /// <summary>
    /// A tenant moved from Free to <paramref name="plan"/> through the API with a card on file (as Checkout or the portal
    /// leaves one), once its first invoice is stored as paid.
    /// </summary>
    public async Task<(Guid TenantId, HttpClient Http)> PaidTenantAsync(string plan)
    {
        var (tenantId, key) = await CreateTenantAsync("free");
        await CardOnFileAsync(tenantId);
        var http = Client(key);
        await PostAsync(http, "/api/v1/subscription/change-plan", new { plan });
        await ProcessWebhooksUntilAsync(async db => await db.Invoices.AnyAsync(i => i.TenantId == tenantId && i.Status == "paid"));
        return (tenantId, http);
    }

    /// <summary>The tenant's Stripe customer id, as stored.</summary>
    public async Task<string> CustomerOfAsync(Guid tenantId)
    {
        await using var db = CreateDbContext();
        return (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).StripeCustomerId!;
    }

    /// <summary>The tenant's audit log actions, as the operator reads them.</summary>
    public async Task<List<string>> AuditActionsAsync(Guid tenantId)
    {
        using var operatorHttp = Client(ApiOnKestrel.OperatorKey);
        var audit = await operatorHttp.GetFromJsonAsync<JsonElement>($"/api/v1/audit-log?tenantId={tenantId}", TestContext.Current.CancellationToken);
        return audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()!).ToList();
    }

    /// <summary>Gives the tenant's Stripe customer (created when missing) a card on file, a Stripe test token; returns the customer.</summary>
    public async Task<string> CardOnFileAsync(Guid tenantId, string token = "pm_card_visa")
    {
        string customer;
        // As the API does on the tenant's own request: only the tenant's session may set its Stripe customer.
        using (TenantScope.Enter(tenantId))
        {
            await using var scope = Api.Services.CreateAsyncScope();
            customer = await scope.ServiceProvider.GetRequiredService<StripeCustomers>().EnsureAsync(tenantId, CancellationToken.None);
        }

        await CardOnFileAsync(customer, token);
        return customer;
    }

    /// <summary>Attaches a Stripe test token to the customer and makes it the customer's default card.</summary>
    public async Task<string> CardOnFileAsync(string customerId, string token = "pm_card_visa")
    {
        var card = await Stripe.V1.PaymentMethods.AttachAsync(token, new PaymentMethodAttachOptions { Customer = customerId });
        await Stripe.V1.Customers.UpdateAsync(customerId, new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = card.Id } });
        return card.Id;
    }

    /// <summary>
    /// Submits the card form of one of the emulator's hosted pages (Checkout, the portal, an invoice) as a browser posts
    /// it, without following the redirect; the status, where it redirects, and the page.
    /// </summary>
    public async Task<(int Status, string? Location, string Html)> SubmitCardAsync(string formUrl, string number)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await browser.PostAsync(formUrl, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["number"] = number,
            ["expiry"] = "12 / 40",
            ["cvc"] = "123",
            ["name"] = "Tenant Owner",
        }), TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Posts JSON, expects success, returns the body.</summary>
    public static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    /// <summary>A <c>Stripe-Signature</c> header for <paramref name="payload"/>, made as Stripe makes it.</summary>
    public static string Sign(string payload, string secret = WebhookSecret, long? at = null)
    {
        var timestamp = at ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}")));
        return $"t={timestamp},v1={signature}";
    }

    /// <summary>Delivers an event to the API's webhook endpoint as Stripe does (a late retry, or a hand-made event).</summary>
    public async Task<HttpResponseMessage> DeliverWebhookAsync(string payload, string? signature = null)
    {
        using var http = Api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", signature ?? Sign(payload));
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>One step of the worker's inbox (on the worker's login): the oldest due event; false when none is due.</summary>
    public async Task<bool> ProcessNextWebhookAsync()
    {
        await using var scope = _worker!.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WebhookProcessor>().ProcessNextAsync(CancellationToken.None);
    }

    /// <summary>Runs the worker's inbox processing (on the worker's login) until <paramref name="done"/> holds (webhooks arrive asynchronously).</summary>
    public async Task ProcessWebhooksUntilAsync(Func<BillingDbContext, Task<bool>> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await using (var scope = _worker!.Services.CreateAsyncScope())
            {
                var processor = scope.ServiceProvider.GetRequiredService<WebhookProcessor>();
                while (await processor.ProcessNextAsync(CancellationToken.None))
                {
                }
            }

            await using (var db = CreateDbContext())
            {
                if (await done(db))
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                await using var db = CreateDbContext();
                var errors = await db.WebhookEvents.Where(e => e.Error != null).Select(e => $"{e.Type}: {e.Error}").Distinct().ToListAsync();
                throw new TimeoutException($"The expected webhook outcome did not happen in time. Processing errors: [{string.Join("; ", errors)}]");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Sets the emulator's clock and the API's to <paramref name="now"/>: payment graces end as Stripe's retries happen.</summary>
    public async Task SetClocksAsync(DateTimeOffset now)
    {
        (await Emulator.PostAsJsonAsync("/_emulator/clock", new { now = now.ToUnixTimeSeconds() })).EnsureSuccessStatusCode();
        ApiClock.Offset = now - DateTimeOffset.UtcNow;
    }

    /// <summary>Moves the emulator's clock (the customers' clock) forward; periods that end are invoiced.</summary>
    public async Task AdvanceClockAsync(TimeSpan by) =>
        (await Emulator.PostAsJsonAsync("/_emulator/clock", new { advanceSeconds = (long)by.TotalSeconds })).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.StopAsync();
            await _emulator.DisposeAsync();
        }

        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        _worker?.Dispose();

        Emulator.Dispose();
    }

    public sealed class ApiOnKestrel(string database, string redis, string stripeBase, TimeProvider clock) : WebApplicationFactory<Billing.Api.Auth.CurrentTenant>
    {
        public const string OperatorKey = "stripe-system-operator-key-0123456789";

        /// <summary>Where Checkout and the portal send the tenant back; nothing listens there, the tests read the redirects.</summary>
        public const string DashboardUrl = "http://dashboard.test";

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:billingdb", database);
            builder.UseSetting("ConnectionStrings:redis", redis);
            builder.UseSetting("Auth:OperatorKey", OperatorKey);
            builder.UseSetting("Stripe:SecretKey", SecretKey);
            builder.UseSetting("Stripe:WebhookSecret", WebhookSecret);
            builder.UseSetting("Stripe:ApiBase", stripeBase);
            builder.UseSetting("Payments:DashboardUrl", DashboardUrl);
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
    }
}
