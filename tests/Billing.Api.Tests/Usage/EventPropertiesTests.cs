using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Api.Tests.Usage;

/// <summary>
/// An event's properties are refused in the parser when PostgreSQL could not store them or they are larger or deeper
/// than the limits, with a 400 naming the event; a problem lists at most 100 fields with the total count; and a row the
/// database refuses for what it holds is a 400, never a 503 that a well-behaved client would retry forever.
/// </summary>
public sealed class EventPropertiesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static StringContent Body(string properties, int events = 1) => new(
        "{\"events\":[" + string.Join(",", Enumerable.Range(0, events).Select(i =>
            $$"""{"id":"e{{i}}","metric":"api_calls","value":1,"timestamp":"{{DateTimeOffset.UtcNow:O}}","properties":{{properties}}}""")) + "]}",
        Encoding.UTF8, "application/json");

    private static string Nested(int depth) => depth == 1 ? """{"leaf":1}""" : $$"""{"n":{{Nested(depth - 1)}}}""";

    /// <summary>A properties object of exactly <paramref name="bytes"/> bytes.</summary>
    private static string OfSize(int bytes) => $$"""{"pad":"{{new string('p', bytes - 10)}}"}""";

    private async Task<long> StoredAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        return await db.UsageEvents.LongCountAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken);
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "a number past the double range", """{"x":1e999999}""" },
        { "a negative number past the double range", """{"x":[-1e999999]}""" },
        { "a number a double rounds to zero", """{"x":1e-999999}""" },
        { "a zero with an exponent jsonb cannot scale", """{"x":0e-99999}""" },
        { "a number written in 41 characters", $$"""{"x":1.{{new string('0', 38)}}1}""" },
        { "a number past the double range, nested", """{"a":{"b":{"c":[1,2,1.8e308]}}}""" },
        { "six levels of objects", Nested(6) },
        { "six levels through arrays", """{"a":[[[[{"deep":true}]]]]}""" },
        { "4 KiB and one byte", OfSize(4097) },
        { "NUL in a nested name", """{"a":{"\u0000":1}}""" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Properties_the_store_could_not_hold_or_past_the_limits_are_a_400_on_their_event(string because, string properties)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync(name: because);
        using var http = api.CreateClient(key);

        var response = await http.PostAsync("/api/v1/usage/events", Body(properties), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty("events[0].properties", out _), $"{because}: {problem}");
        Assert.Equal(0, await StoredAsync(tenantId));
    }

    public static TheoryData<string, string> Accepted() => new()
    {
        { "five levels of objects", Nested(5) },
        { "exactly 4 KiB", OfSize(4096) },
        { "the largest double", """{"x":1.7976931348623157e308,"y":-1.7976931348623157E+308}""" },
        { "the smallest double", """{"x":4.9e-324}""" },
        { "zero written with an exponent", """{"x":0e10,"y":-0.0}""" },
        { "unusual but storable text", """{"名前":"ü\u2028\ud83d\ude00","":"empty name"}""" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public async Task Properties_within_the_limits_are_stored_as_sent(string because, string properties)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync(name: because);
        using var http = api.CreateClient(key);

        var response = await http.PostAsync("/api/v1/usage/events", Body(properties), TestContext.Current.CancellationToken);

        Assert.True(response.IsSuccessStatusCode, $"{because}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        await using var db = api.CreateDbContext();
        var stored = await db.UsageEvents.SingleAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(properties).RootElement, JsonDocument.Parse(stored.Properties!).RootElement), $"{because}: stored {stored.Properties}");
    }

    [Fact]
    public async Task A_problem_lists_the_first_100_fields_and_counts_them_all()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var response = await http.PostAsync("/api/v1/usage/events", Body("""{"x":1e999999}""", events: 1000), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"events[{i}].properties"), fields);
        Assert.Equal(1000, problem.GetProperty("errorCount").GetInt32());
        Assert.Equal(100, problem.GetProperty("errorsShown").GetInt32());
        Assert.Equal(0, await StoredAsync(tenantId));
    }

    [Fact]
    public async Task A_problem_with_few_errors_counts_them_and_shows_them_all()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var response = await http.PostAsync("/api/v1/usage/events", Body("""{"x":1e999999}""", events: 3), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(3, problem.GetProperty("errors").EnumerateObject().Count());
        Assert.Equal(3, problem.GetProperty("errorCount").GetInt32());
        Assert.False(problem.TryGetProperty("errorsShown", out _));
    }

    [Fact]
    public async Task A_row_the_database_refuses_is_a_400_not_a_503_and_its_neighbours_are_stored()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        // A rule only the database knows: the request carrying such a row passes every check before the insert.
        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var rule = new NpgsqlCommand($"ALTER TABLE usage_events ADD CONSTRAINT no_poison_{tenantId:N} CHECK (event_id <> 'poison-{tenantId:N}')", connection);
            await rule.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var poisoned = http.PostAsync("/api/v1/usage/events", new StringContent(
            $$"""{"events":[{"id":"poison-{{tenantId:N}}","metric":"api_calls","value":1}]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var neighbours = Enumerable.Range(0, 4).Select(i => http.PostAsync("/api/v1/usage/events", new StringContent(
            $$"""{"events":[{"id":"n{{i}}","metric":"api_calls","value":1}]}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken)).ToList();
        var refused = await poisoned;
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.EndsWith("/events-refused", problem.GetProperty("type").GetString());
        Assert.False(refused.Headers.Contains("Retry-After"));
        Assert.All(await Task.WhenAll(neighbours), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(4, await StoredAsync(tenantId));
    }
}
