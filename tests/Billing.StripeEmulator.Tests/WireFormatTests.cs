using System.Net;
using System.Net.Http.Headers;
using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>Stripe's wire format over raw HTTP: authentication, error shapes, lists, expand and idempotency keys.</summary>
public sealed class WireFormatTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_request_without_a_secret_key_gets_stripes_401_error_shape()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "pk_live_nope");

        var response = await anonymous.GetAsync("/v1/products");
        var error = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>())!["error"]!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Contains("Invalid API Key", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_configured_api_key_is_the_only_key_accepted()
    {
        await using var strict = await EmulatorHost.StartAsync("Emulator:ApiKey=sk_test_only_this");

        var wrong = await Assert.ThrowsAsync<StripeException>(() => strict.NewClient("sk_test_other").V1.Products.ListAsync());
        var right = await strict.NewClient("sk_test_only_this").V1.Products.ListAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.HttpStatusCode);
        Assert.Empty(right.Data);
    }

    [Fact]
    public async Task A_secret_key_sent_as_the_basic_auth_user_name_is_accepted()
    {
        using var basic = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("sk_test_curl:"u8.ToArray()));

        var response = await basic.GetAsync("/v1/customers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_missing_parameter_is_an_invalid_request_error_naming_the_param()
    {
        var (status, body, _) = await _host.PostFormAsync("/v1/products", [new("description", "no name")]);

        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Equal("parameter_missing", body["error"]!["code"]!.GetValue<string>());
        Assert.Equal("name", body["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_id_is_a_404_resource_missing()
    {
        var exception = await Assert.ThrowsAsync<StripeException>(() => _host.Stripe.V1.Customers.GetAsync("cus_missing"));

        Assert.Equal(HttpStatusCode.NotFound, exception.HttpStatusCode);
        Assert.Equal("resource_missing", exception.StripeError.Code);
        Assert.Equal("invalid_request_error", exception.StripeError.Type);
    }

    [Fact]
    public async Task Lists_page_newest_first_with_cursors_and_has_more()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await _host.Stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = $"P{i}" })).Id);
        }

        var first = await _host.Stripe.V1.Products.ListAsync(new ProductListOptions { Limit = 2 });
        var second = await _host.Stripe.V1.Products.ListAsync(new ProductListOptions { Limit = 2, StartingAfter = first.Data[^1].Id });
        var last = await _host.Stripe.V1.Products.ListAsync(new ProductListOptions { Limit = 2, StartingAfter = second.Data[^1].Id });
        var before = await _host.Stripe.V1.Products.ListAsync(new ProductListOptions { Limit = 2, EndingBefore = last.Data[0].Id });
        var (_, raw) = await _host.GetJsonAsync("/v1/products?limit=1");

        Assert.Equal([created[4], created[3]], first.Data.Select(p => p.Id));
        Assert.True(first.HasMore);
        Assert.Equal([created[2], created[1]], second.Data.Select(p => p.Id));
        Assert.Equal([created[0]], last.Data.Select(p => p.Id));
        Assert.False(last.HasMore);
        Assert.Equal([created[2], created[1]], before.Data.Select(p => p.Id));
        Assert.Equal("list", raw["object"]!.GetValue<string>());
        Assert.Equal("/v1/products", raw["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_limit_above_100_is_rejected()
    {
        var (status, body) = await _host.GetJsonAsync("/v1/customers?limit=101");

        Assert.Equal(400, status);
        Assert.Equal("limit", body["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Expand_replaces_an_id_with_its_object()
    {
        var product = await _host.Stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Expandable" });
        await _host.Stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Product = product.Id, Currency = "usd", UnitAmount = 500 });

        var prices = await _host.Stripe.V1.Prices.ListAsync(new PriceListOptions { Expand = ["data.product"] });

        Assert.Equal("Expandable", prices.Data.Single().Product.Name);
    }

    [Fact]
    public async Task The_same_idempotency_key_replays_the_first_response()
    {
        var (status1, first, _) = await _host.PostFormAsync("/v1/customers", [new("email", "a@example.com")], "key-1");
        var (status2, replay, response) = await _host.PostFormAsync("/v1/customers", [new("email", "a@example.com")], "key-1");
        var customers = await _host.Stripe.V1.Customers.ListAsync();

        Assert.Equal(200, status1);
        Assert.Equal(200, status2);
        Assert.Equal(first.ToJsonString(), replay.ToJsonString());
        Assert.Equal("true", response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(customers.Data);
    }

    [Fact]
    public async Task The_same_idempotency_key_with_other_parameters_is_an_idempotency_error()
    {
        await _host.PostFormAsync("/v1/customers", [new("email", "a@example.com")], "key-2");
        var (status, body, _) = await _host.PostFormAsync("/v1/customers", [new("email", "b@example.com")], "key-2");

        Assert.Equal(400, status);
        Assert.Equal("idempotency_error", body["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_run_once()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            _host.PostFormAsync("/v1/customers", [new("email", "same@example.com")], "key-concurrent")));
        var customers = await _host.Stripe.V1.Customers.ListAsync();

        var created = Assert.Single(customers.Data);
        Assert.All(answers, a => Assert.True(
            (a.Status == 200 && a.Body["id"]!.GetValue<string>() == created.Id) ||
            (a.Status == 409 && a.Body["error"]!["type"]!.GetValue<string>() == "idempotency_error")));
    }

    [Fact]
    public async Task A_stored_error_is_replayed_for_its_key()
    {
        var (status1, first, _) = await _host.PostFormAsync("/v1/products", [new("description", "x")], "key-3");
        var (status2, replay, _) = await _host.PostFormAsync("/v1/products", [new("description", "x")], "key-3");

        Assert.Equal(400, status1);
        Assert.Equal(400, status2);
        Assert.Equal(first.ToJsonString(), replay.ToJsonString());
    }

    [Fact]
    public async Task Unknown_paths_answer_in_stripes_error_shape()
    {
        var (status, body) = await _host.GetJsonAsync("/v1/nothing_here");

        Assert.Equal(404, status);
        Assert.Contains("Unrecognized request URL", body["error"]!["message"]!.GetValue<string>());
    }
}
