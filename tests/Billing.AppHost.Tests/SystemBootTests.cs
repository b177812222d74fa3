using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.AppHost.Tests;

/// <summary>Every resource of the system comes up, and the parts reach each other.</summary>
[Collection(SystemCollection.Name)]
public sealed class SystemBootTests(AppHostFixture fixture)
{
    private DistributedApplication App => fixture.App;

    [Fact]
    public async Task Migrations_run_to_completion_with_exit_code_zero()
    {
        var state = await App.ResourceNotifications.WaitForResourceAsync(
            "migrations", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), TestContext.Current.CancellationToken);

        Assert.Equal(KnownResourceStates.Finished, state.Snapshot.State?.Text);
        Assert.Equal(0, state.Snapshot.ExitCode);
    }

    [Fact]
    public async Task Api_serves_the_three_plans_with_quotas_and_prices()
    {
        using var http = App.CreateHttpClient("api");

        var body = await http.GetFromJsonAsync<JsonElement>("/api/v1/plans", TestContext.Current.CancellationToken);

        Assert.Equal("usd", body.GetProperty("currency").GetString());
        var plans = body.GetProperty("plans").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        Assert.Equal(["enterprise", "free", "standard"], plans.Keys.Order());
        Assert.Equal(9900, plans["standard"].GetProperty("basePriceCents").GetInt64());
        Assert.Equal(99900, plans["enterprise"].GetProperty("basePriceCents").GetInt64());
        var tokens = plans["standard"].GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("metric").GetString() == "llm_tokens");
        Assert.Equal(10_000_000, tokens.GetProperty("included").GetInt64());
        Assert.Equal("soft", tokens.GetProperty("cap").GetString());
        Assert.Equal(200m, tokens.GetProperty("overage").GetProperty("amountCents").GetDecimal());
    }

    [Fact]
    public async Task Worker_recurring_heartbeat_job_has_run()
    {
        var connectionString = await App.GetConnectionStringAsync("postgres", TestContext.Current.CancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT runs, last_run_at FROM worker_heartbeats WHERE job = 'heartbeat'", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);

        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken), "no heartbeat row");
        Assert.True(reader.GetInt64(0) >= 1);
        Assert.True(DateTimeOffset.UtcNow - reader.GetFieldValue<DateTimeOffset>(1) < TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task Development_seed_creates_the_demo_tenant_once()
    {
        var connectionString = await App.GetConnectionStringAsync("postgres", TestContext.Current.CancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*), min(plan) FROM tenants WHERE name = 'Demo Tenant'", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, reader.GetInt64(0));
        Assert.Equal("standard", reader.GetString(1));
    }

    [Fact]
    public async Task Web_app_serves_its_page_and_reaches_the_api_through_its_proxy()
    {
        using var web = App.CreateHttpClient("billing-web");

        var page = await web.GetStringAsync("/", TestContext.Current.CancellationToken);
        var plans = await web.GetFromJsonAsync<JsonElement>("/api/v1/plans", TestContext.Current.CancellationToken);

        Assert.Contains("<div id=\"root\">", page);
        Assert.Equal(3, plans.GetProperty("plans").GetArrayLength());
    }

    [Fact]
    public async Task Without_a_stripe_key_the_emulator_runs_and_the_catalog_is_synced_into_it()
    {
        var connectionString = await App.GetConnectionStringAsync("postgres", TestContext.Current.CancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT kind, count(*) FROM stripe_catalog GROUP BY kind ORDER BY kind", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        Assert.Equal(2, counts["base"]);
        Assert.Equal(15, counts["metered"]);
        Assert.Equal(5, counts["meter"]);
    }

    [Fact]
    public async Task Unauthenticated_operator_call_gets_a_problem_response()
    {
        using var http = App.CreateHttpClient("api");

        var response = await http.PostAsJsonAsync("/api/v1/tenants", new { name = "x", plan = "free" }, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
