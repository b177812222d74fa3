using System.Net;
using Billing.MigrationService;
using Billing.Testing;
using Billing.Worker.Dashboard;
using Billing.Worker.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Worker.Tests.Dashboard;

/// <summary>
/// The Hangfire dashboard outside Development, on a real Kestrel server reached from loopback, as a reverse proxy or a
/// sidecar reaches it (where Hangfire's local-requests-only rule lets everyone in): the operator signs in with the
/// operator key (a cookie) or sends it as a bearer, and the dashboard is read-only unless configured otherwise.
/// </summary>
public sealed class HangfireDashboardTests(DataStoresFixture stores, HangfireDashboardTests.ReadOnlyWorker readOnly)
    : IClassFixture<HangfireDashboardTests.ReadOnlyWorker>
{
    private const string OperatorKey = "worker-dashboard-operator-key-0123456789";

    /// <summary>One worker with the default (read-only) dashboard, shared by the tests that do not change its settings.</summary>
    public sealed class ReadOnlyWorker(DataStoresFixture stores) : IAsyncLifetime
    {
        public WebApplicationFactory<HeartbeatJob> Worker { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Worker = await StartAsync(stores, allowWrites: false);

        public async ValueTask DisposeAsync() => await Worker.DisposeAsync();
    }

    /// <param name="redis">Redis as the worker reaches it: the fixture's server unless given.</param>
    private static async Task<WebApplicationFactory<HeartbeatJob>> StartAsync(DataStoresFixture stores, bool allowWrites, string? redis = null)
    {
        var connectionString = await stores.CreateMigratedDatabaseAsync();
        // As the migration service leaves it: the worker's login runs no DDL on Hangfire's schema.
        await HangfireSchema.PrepareAsync(connectionString.Owner, TestContext.Current.CancellationToken);
        var worker = new WebApplicationFactory<HeartbeatJob>().WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .UseUrls("http://127.0.0.1:0")
            .UseSetting("ConnectionStrings:billingdb", connectionString.Worker)
            .UseSetting("ConnectionStrings:redis", redis ?? stores.Redis.ConnectionString)
            .UseSetting("Auth:OperatorKey", OperatorKey)
            .UseSetting("HangfireDashboard:AllowWrites", allowWrites ? "true" : "false"));
        worker.UseKestrel();
        worker.StartServer();
        return worker;
    }

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    private static HttpClient Browser(WebApplicationFactory<HeartbeatJob> worker) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = worker.ClientOptions.BaseAddress };

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient http, string key, string returnUrl = "/hangfire/recurring") =>
        await http.PostAsync(DashboardAuthentication.SignInPath,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key, ["returnUrl"] = returnUrl }), TestContext.Current.CancellationToken);

    private static Task<HttpResponseMessage> TriggerHeartbeatAsync(HttpClient http) =>
        http.PostAsync("/hangfire/recurring/trigger", new FormUrlEncodedContent([new("jobs[]", HeartbeatJob.Name)]), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Without_the_operators_credentials_nothing_of_the_dashboard_is_served()
    {
        var worker = readOnly.Worker;
        using var browser = Browser(worker);
        using var script = Browser(worker);
        script.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-operator-key");

        var page = await browser.GetAsync("/hangfire", TestContext.Current.CancellationToken);
        var api = await browser.GetAsync("/hangfire/stats", TestContext.Current.CancellationToken);
        var wrongBearer = await script.GetAsync("/hangfire", TestContext.Current.CancellationToken);
        var trigger = await TriggerHeartbeatAsync(browser);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal($"{DashboardAuthentication.SignInPath}?ReturnUrl=%2Fhangfire", page.Headers.Location?.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, trigger.StatusCode);
        Assert.Equal(["nosniff"], page.Headers.GetValues("X-Content-Type-Options"));
    }

    [Fact]
    public async Task Signing_in_with_the_operator_key_sets_a_strict_cookie_that_opens_it_until_sign_out()
    {
        var worker = readOnly.Worker;
        using var browser = Browser(worker);

        var form = await browser.GetStringAsync(DashboardAuthentication.SignInPath + "?returnUrl=%2Fhangfire%2Frecurring", TestContext.Current.CancellationToken);
        var wrong = await SignInAsync(browser, "guess");
        var wrongPage = await wrong.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var right = await SignInAsync(browser, OperatorKey);
        var dashboard = await browser.GetAsync("/hangfire/recurring", TestContext.Current.CancellationToken);
        var html = await dashboard.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        await browser.PostAsync(DashboardAuthentication.SignOutPath, null, TestContext.Current.CancellationToken);
        var afterSignOut = await browser.GetAsync("/hangfire/recurring", TestContext.Current.CancellationToken);

        Assert.Contains("name=\"returnUrl\" value=\"/hangfire/recurring\"", form);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Contains("That is not the operator key.", wrongPage);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/hangfire/recurring", right.Headers.Location?.OriginalString);
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DashboardAuthentication.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains(HeartbeatJob.Name, html);
        Assert.Equal(HttpStatusCode.Redirect, afterSignOut.StatusCode);
    }

    [Fact]
    public async Task A_cookie_signed_in_on_one_replica_opens_the_dashboard_on_another_that_shares_its_redis_and_on_no_other()
    {
        await using var sameRedis = await StartAsync(stores, allowWrites: false);
        await using var otherRedis = await StartAsync(stores, allowWrites: false, redis: stores.Redis.ConnectionString + ",defaultDatabase=1");
        using var browser = Browser(readOnly.Worker);
        var signIn = await SignInAsync(browser, OperatorKey);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DashboardAuthentication.CookieName + "=", StringComparison.Ordinal)).Split(';')[0];

        async Task<HttpResponseMessage> WithCookieAsync(WebApplicationFactory<HeartbeatJob> replica)
        {
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = replica.ClientOptions.BaseAddress };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
            request.Headers.Add("Cookie", cookie);
            return await http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        var onSameRedis = await WithCookieAsync(sameRedis);
        var onOtherRedis = await WithCookieAsync(otherRedis);

        Assert.Equal(HttpStatusCode.OK, onSameRedis.StatusCode);
        Assert.Contains(HeartbeatJob.Name, await onSameRedis.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // Its keys are in another Redis: the cookie cannot be opened there, whatever this machine's file system holds.
        Assert.Equal(HttpStatusCode.Redirect, onOtherRedis.StatusCode);
        Assert.Equal(DashboardAuthentication.SignInPath, onOtherRedis.Headers.Location?.AbsolutePath);
    }

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example/steal")]
    [InlineData("/hangfire//evil.example")]
    [InlineData("/elsewhere")]
    public async Task After_sign_in_the_operator_stays_on_the_dashboard(string returnUrl)
    {
        var worker = readOnly.Worker;
        using var browser = Browser(worker);

        var response = await SignInAsync(browser, OperatorKey, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/hangfire", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Rotating_the_operator_key_signs_out_every_cookie_signed_in_with_the_old_one()
    {
        await using var worker = await StartAsync(stores, allowWrites: false);
        using var browser = Browser(worker);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(browser, OperatorKey)).StatusCode);
        var before = await browser.GetAsync("/hangfire/recurring", TestContext.Current.CancellationToken);

        worker.Services.GetRequiredService<IConfiguration>()["Auth:OperatorKey"] = "rotated-operator-key-0123456789abcdef";
        var after = await browser.GetAsync("/hangfire/recurring", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal(DashboardAuthentication.SignInPath, after.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task The_operator_key_as_bearer_reads_but_cannot_act_by_default()
    {
        var worker = readOnly.Worker;
        using var script = Browser(worker);
        script.DefaultRequestHeaders.Authorization = new("Bearer", OperatorKey);

        var recurring = await script.GetAsync("/hangfire/recurring", TestContext.Current.CancellationToken);
        var html = await recurring.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var trigger = await TriggerHeartbeatAsync(script);

        Assert.Equal(HttpStatusCode.OK, recurring.StatusCode);
        Assert.Contains(HeartbeatJob.Name, html);
        Assert.DoesNotContain("recurring/trigger", html);
        // Hangfire's own answer to an action on a read-only dashboard.
        Assert.Equal(HttpStatusCode.Unauthorized, trigger.StatusCode);
    }

    [Fact]
    public async Task With_writes_allowed_the_signed_in_operator_can_trigger_a_job()
    {
        await using var worker = await StartAsync(stores, allowWrites: true);
        using var script = Browser(worker);
        script.DefaultRequestHeaders.Authorization = new("Bearer", OperatorKey);

        var html = await script.GetStringAsync("/hangfire/recurring", TestContext.Current.CancellationToken);
        var trigger = await TriggerHeartbeatAsync(script);

        Assert.Contains("recurring/trigger", html);
        Assert.Equal(HttpStatusCode.NoContent, trigger.StatusCode);
    }
}
