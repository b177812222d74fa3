using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Billing.Testing;

namespace Billing.Deploy.Tests;

/// <summary>
/// The AppHost in publish mode writes the manifest azd deploys from (<c>--publisher manifest</c>): containers and
/// projects only, every reference resolving, the data stores durable, Stripe real.
/// </summary>
public sealed partial class PublishManifestTests
{
    private static readonly Lazy<Task<JsonElement>> Manifest = new(PublishAsync);

    [Fact]
    public async Task The_manifest_holds_containers_projects_and_parameters_only()
    {
        var resources = (await Manifest.Value).EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetProperty("type").GetString());

        Assert.DoesNotContain("executable.v0", resources.Values);
        Assert.Equal("container.v0", resources["postgres"]);
        Assert.Equal("container.v0", resources["redis"]);
        Assert.Equal(["api", "migrations", "worker"], resources.Where(r => r.Value == "project.v0").Select(r => r.Key).Order());
        Assert.DoesNotContain("stripe-emulator", resources.Keys);
        Assert.DoesNotContain("billing-web", resources.Keys);
        Assert.DoesNotContain("demo-api-key", resources.Keys);
    }

    [Fact]
    public async Task Every_reference_in_the_manifest_resolves()
    {
        var manifest = await Manifest.Value;
        var references = Strings(manifest).SelectMany(s => Reference().Matches(s)).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.NotEmpty(references);
        Assert.All(references, reference => Assert.True(Resolves(manifest, reference), $"{{{reference}}} does not resolve"));
    }

    [Fact]
    public async Task The_data_stores_keep_their_data_on_volumes_and_redis_its_append_only_file()
    {
        var manifest = await Manifest.Value;

        Assert.All(new[] { "postgres", "redis" }, store => Assert.NotEmpty(manifest.GetProperty(store).GetProperty("volumes").EnumerateArray()));
        var redisCommand = Assert.Single(manifest.GetProperty("redis").GetProperty("args").EnumerateArray(), a => a.GetString()!.StartsWith("redis-server ", StringComparison.Ordinal));
        Assert.Contains("--appendonly yes", redisCommand.GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stripe_is_the_real_api_with_required_secret_parameters()
    {
        var manifest = await Manifest.Value;

        foreach (var parameter in new[] { "stripe-secret-key", "stripe-webhook-secret" })
        {
            var input = manifest.GetProperty(parameter).GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean());
            Assert.False(input.TryGetProperty("default", out _), $"{parameter} has a default: it must be given");
        }

        foreach (var service in new[] { "api", "worker", "migrations" })
        {
            var environment = manifest.GetProperty(service).GetProperty("env");
            Assert.Equal("{stripe-secret-key.value}", environment.GetProperty("Stripe__SecretKey").GetString());
            Assert.False(environment.TryGetProperty("Stripe__ApiBase", out _));
        }
    }

    [Fact]
    public async Task The_api_is_reachable_from_outside_and_the_migration_service_idles_once_done()
    {
        var manifest = await Manifest.Value;

        Assert.True(manifest.GetProperty("api").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.Equal("true", manifest.GetProperty("migrations").GetProperty("env").GetProperty("Migrations__KeepRunningWhenDone").GetString());
    }

    [Fact]
    public async Task The_migration_service_creates_the_logins_and_migrates_as_the_owner_and_each_service_connects_as_its_own_login()
    {
        var manifest = await Manifest.Value;
        string Env(string service, string name) => manifest.GetProperty(service).GetProperty("env").GetProperty(name).GetString()!;

        Assert.Equal("{postgres.bindings.tcp.host}", Regex.Match(Env("migrations", "ConnectionStrings__billingdb-owner"), "Host=([^;]+)").Groups[1].Value);
        Assert.Contains("Username=billing_owner;Password={billing-owner-password.value}", Env("migrations", "ConnectionStrings__billingdb-owner"), StringComparison.Ordinal);
        Assert.Equal("{billingdb.connectionString}", Env("migrations", "ConnectionStrings__billingdb-admin"));
        Assert.Equal("{billing-api-password.value}", Env("migrations", "DatabaseLogins__ApiPassword"));
        Assert.Equal("{billing-worker-password.value}", Env("migrations", "DatabaseLogins__WorkerPassword"));
        Assert.Contains("Username=billing_api;Password={billing-api-password.value}", Env("api", "ConnectionStrings__billingdb"), StringComparison.Ordinal);
        Assert.Contains("Username=billing_worker;Password={billing-worker-password.value}", Env("worker", "ConnectionStrings__billingdb"), StringComparison.Ordinal);
        // Generated and kept by the deployment tool, never this machine's .data/secrets.
        Assert.All(new[] { "postgres-password", "redis-password", "billing-owner-password", "billing-api-password", "billing-worker-password" }, parameter =>
        {
            var input = manifest.GetProperty(parameter).GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean());
            Assert.True(input.GetProperty("default").GetProperty("generate").GetProperty("minLength").GetInt32() >= 32);
        });
    }

    [Fact]
    public async Task Stripe_checkout_and_the_portal_return_to_the_api_which_serves_the_dashboard()
    {
        var manifest = await Manifest.Value;

        Assert.Equal("{api.bindings.https.url}", manifest.GetProperty("api").GetProperty("env").GetProperty("Payments__DashboardUrl").GetString());
    }

    [Fact]
    public void Azure_yaml_points_azd_at_the_app_host()
    {
        var azure = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "azure.yaml"));

        Assert.Contains("project: ./Billing.AppHost/Billing.AppHost.csproj", azure, StringComparison.Ordinal);
        Assert.Contains("host: containerapp", azure, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "Billing.AppHost", "Billing.AppHost.csproj")));
    }

    private static async Task<JsonElement> PublishAsync()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("billing-manifest-").FullName, "aspire-manifest.json");
        var appHost = Path.Combine(RepositoryPaths.Root, "Billing.AppHost", Path.GetRelativePath(Path.Combine(RepositoryPaths.Root, "tests", "Billing.Deploy.Tests"), AppContext.BaseDirectory));
        var start = new ProcessStartInfo("dotnet", [Path.Combine(appHost, "Billing.AppHost.dll"), "--publisher", "manifest", "--output-path", output])
        {
            WorkingDirectory = appHost,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var log = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"the AppHost exited {process.ExitCode}\n{await log}\n{await errors}");
        return JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.GetProperty("resources").Clone();
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    /// <summary>What azd can fill in: a resource's connection string or value, a parameter's input, a binding's parts.</summary>
    private static bool Resolves(JsonElement manifest, string reference)
    {
        var parts = reference.Split('.');
        if (!manifest.TryGetProperty(parts[0], out var resource))
        {
            return false;
        }

        return parts[1..] switch
        {
            ["connectionString"] => resource.TryGetProperty("connectionString", out _),
            ["value"] => resource.TryGetProperty("value", out _),
            ["inputs", var input] => resource.TryGetProperty("inputs", out var inputs) && inputs.TryGetProperty(input, out _),
            ["bindings", var binding, "host" or "port" or "targetPort" or "url" or "scheme"] =>
                resource.TryGetProperty("bindings", out var bindings) && bindings.TryGetProperty(binding, out _),
            _ => false,
        };
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)\}")]
    private static partial Regex Reference();
}
