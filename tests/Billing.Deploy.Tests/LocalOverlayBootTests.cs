using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Deploy.Tests.Boot;
using Billing.Deploy.Tests.Rendering;
using Billing.Infrastructure.Security;
using Billing.Worker.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using k8s.Models;
using Npgsql;

namespace Billing.Deploy.Tests;

/// <summary>
/// The local overlay's manifests start the system: every billing Deployment and the migrations Job run as their
/// services' processes with exactly the environment the manifests give them (see <see cref="ManifestBoot"/>), and
/// the system works end to end. A setting missing or misnamed in a manifest stops the boot.
/// </summary>
public sealed class LocalOverlayBootTests
{
    [Fact]
    public async Task The_local_overlay_boots_the_system_and_the_worker_aggregates_a_usage_event_posted_to_the_api()
    {
        await using var boot = await ManifestBoot.StartAsync(await RenderedOverlay.OfAsync(Overlay.Local));

        Assert.Equal(
        [
            "StatefulSet/postgres initialised database billingdb for superuser postgres with POSTGRES_PASSWORD",
            "StatefulSet/redis requires the password from REDIS_PASSWORD",
            "Deployment/stripe-emulator answered /health with 200",
            "Job/migrations exited 0",
            "Deployment/api init container wait-for-schema exited 0",
            "Deployment/api answered /health with 200",
            "Deployment/worker init container wait-for-schema exited 0",
            "Deployment/worker answered /health with 200",
        ], boot.Steps);

        using var operatorClient = Client(boot.ServiceUrl("api"), boot.Environments["api"]["Auth__OperatorKey"]);
        var tenant = await ReadAsync(await operatorClient.PostAsJsonAsync("api/v1/tenants", new { name = "Deployed", plan = "free" }, TestContext.Current.CancellationToken), HttpStatusCode.Created);
        var tenantId = tenant.GetProperty("id").GetGuid();
        var key = await ReadAsync(await operatorClient.PostAsJsonAsync($"api/v1/tenants/{tenantId}/api-keys", new { name = "boot", scopes = new[] { ApiScopes.Ingest } }, TestContext.Current.CancellationToken), HttpStatusCode.Created);
        Assert.Equal([ApiScopes.Ingest], key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        using var tenantClient = Client(boot.ServiceUrl("api"), key.GetProperty("key").GetString()!);
        var accepted = await ReadAsync(await tenantClient.PostAsJsonAsync("api/v1/usage/events", new
        {
            events = new[] { new { id = "boot-1", metric = "llm_tokens", value = 1234, timestamp = DateTimeOffset.UtcNow } },
        }, TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.Equal(1, accepted.GetProperty("accepted").GetInt32());

        // As the Hangfire dashboard's "Trigger now" does: the worker's server picks the run up from the shared storage.
        var database = new NpgsqlConnectionStringBuilder(boot.Environments["migrations"]["ConnectionStrings__billingdb-owner"]).Database!;
        var admin = boot.PostgresAdmin(database);
        // The Job created 17a's logins and roles (docs/security.md) before migrating as the owner.
        Assert.Equal(
            ["billing_api:login,noinherit", "billing_ingest:bypassrls", "billing_operator:", "billing_owner:login,inherit,owns billingdb", "billing_tenant:", "billing_worker:login,noinherit"],
            await RolesAsync(admin));
        var storageOptions = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = false };
        new RecurringJobManager(new PostgreSqlStorage(new NpgsqlConnectionFactory(admin, storageOptions), storageOptions)).Trigger(AggregateUsageJob.Name);

        Assert.Equal(1234, await EventuallyAsync(() => AggregatedAsync(admin, tenantId), value => value == 1234, "the event was not aggregated"));
        var silent = await EventuallyAsync(
            () => Task.FromResult(new[] { "migrations", "api", "worker", "stripe-emulator" }.Where(s => !boot.Collector.Received(s)).ToList()),
            missing => missing.Count == 0, "telemetry of every service did not reach the collector");
        Assert.Empty(silent);
    }

    public static TheoryData<string, string, string> BrokenManifests => new()
    {
        { "api: ConnectionStrings__redis misnamed ConnectionStrings__cache", "api", "ConnectionStrings:redis" },
        { "billing-config: Stripe__ApiBase missing", "migrations", "exited with code 1" },
        { "worker: the database Secret key misnamed db", "worker", "has no key db" },
        { "api: ASPNETCORE_HTTP_PORTS not the declared container port", "api", "listens on 8081" },
        { "migrations: the owner's login under the services' name ConnectionStrings__billingdb", "migrations", "ConnectionStrings:billingdb-owner is not configured" },
        { "migrations: DatabaseLogins__WorkerPassword missing", "migrations", "DatabaseLogins:WorkerPassword must be set" },
    };

    [Theory]
    [MemberData(nameof(BrokenManifests))]
    public async Task A_setting_missing_or_misnamed_in_a_manifest_stops_the_boot(string change, string workload, string reason)
    {
        var overlay = await RenderedOverlay.RenderAsync(Overlay.Local);
        Break(overlay, change);

        var failure = await Assert.ThrowsAsync<BootFailure>(async () => await (await ManifestBoot.StartAsync(overlay)).DisposeAsync());

        Assert.Equal(workload, failure.Workload);
        Assert.Contains(reason, failure.Message, StringComparison.Ordinal);
    }

    private static void Break(RenderedOverlay overlay, string change)
    {
        V1EnvVar Env(string deployment, string name) => overlay.Deployment(deployment).Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == name);
        List<V1EnvVar> JobEnv() => (List<V1EnvVar>)overlay.All<V1Job>().Single().Spec.Template.Spec.Containers[0].Env;
        switch (change)
        {
            case "api: ConnectionStrings__redis misnamed ConnectionStrings__cache":
                Env("api", "ConnectionStrings__redis").Name = "ConnectionStrings__cache";
                break;
            case "billing-config: Stripe__ApiBase missing":
                Assert.True(overlay.GeneratedConfigMap("billing-config").Data.Remove("Stripe__ApiBase"));
                break;
            case "worker: the database Secret key misnamed db":
                Env("worker", "ConnectionStrings__billingdb").ValueFrom.SecretKeyRef.Key = "db";
                break;
            case "api: ASPNETCORE_HTTP_PORTS not the declared container port":
                Env("api", "ASPNETCORE_HTTP_PORTS").Value = "8081";
                break;
            case "migrations: the owner's login under the services' name ConnectionStrings__billingdb":
                JobEnv().Single(e => e.Name == "ConnectionStrings__billingdb-owner").Name = "ConnectionStrings__billingdb";
                break;
            case "migrations: DatabaseLogins__WorkerPassword missing":
                Assert.Equal(1, JobEnv().RemoveAll(e => e.Name == "DatabaseLogins__WorkerPassword"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }
    }

    private static HttpClient Client(Uri api, string bearer)
    {
        var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Each billing role as <c>name:attributes</c>, the owner's with the database it owns.</summary>
    private static async Task<List<string>> RolesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT r.rolname || ':' || concat_ws(',',
                CASE WHEN r.rolcanlogin THEN 'login' END,
                CASE WHEN r.rolcanlogin THEN CASE WHEN r.rolinherit THEN 'inherit' ELSE 'noinherit' END END,
                CASE WHEN r.rolbypassrls THEN 'bypassrls' END,
                (SELECT 'owns ' || string_agg(d.datname, ',') FROM pg_database d WHERE d.datdba = r.oid))
            FROM pg_roles r WHERE r.rolname LIKE 'billing\_%' ORDER BY r.rolname
            """, connection);
        var roles = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            roles.Add(reader.GetString(0));
        }

        return roles;
    }

    private static async Task<long> AggregatedAsync(string connectionString, Guid tenantId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(value), 0)::bigint FROM usage_aggregates WHERE tenant_id = @tenant AND metric = 'llm_tokens'", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Polls until the condition holds; the limit only bounds a failing run.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var value = await read();
        while (!done(value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} within 60 s (last: {value})");
            await Task.Delay(250);
            value = await read();
        }

        return value;
    }
}
