using System.Diagnostics;
using Billing.Deploy.Tests.Rendering;
using Billing.Testing;
using k8s.Models;

namespace Billing.Deploy.Tests;

/// <summary>The workloads each overlay runs: replicas, autoscaling, disruption budgets, data stores, telemetry and secrets.</summary>
public sealed class WorkloadRulesTests
{
    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task The_api_runs_at_least_two_replicas_with_an_autoscaler_and_a_disruption_budget(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var api = rendered.Deployment("api");

        Assert.True(api.Spec.Replicas >= 2);
        var hpa = Assert.Single(rendered.All<V2HorizontalPodAutoscaler>(), h => h.Spec.ScaleTargetRef is { Kind: "Deployment", Name: "api" });
        Assert.True(hpa.Spec.MinReplicas >= 2 && hpa.Spec.MaxReplicas > hpa.Spec.MinReplicas);
        Assert.Single(rendered.All<V1PodDisruptionBudget>(), p => Labels.Match(p.Spec.Selector, api.Spec.Template.Metadata.Labels));
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task The_worker_runs_two_hangfire_servers_and_the_migrations_run_once_as_a_job(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        Assert.Equal(2, rendered.Deployment("worker").Spec.Replicas);
        var job = Assert.Single(rendered.All<V1Job>());
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        Assert.True(job.Spec.Parallelism is null or 1 && job.Spec.Completions is null or 1);
        Assert.Equal("billing-migrations", ContainerRulesTests.ImageName(Assert.Single(job.Spec.Template.Spec.Containers).Image));
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task The_api_and_worker_wait_for_the_schema_before_they_start(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);

        foreach (var name in new[] { "api", "worker" })
        {
            var init = Assert.Single(rendered.Deployment(name).Spec.Template.Spec.InitContainers);
            Assert.Equal("billing-migrations", ContainerRulesTests.ImageName(init.Image));
            Assert.Equal(["--wait-for-schema=true"], init.Args);
        }
    }

    [Fact]
    public async Task Local_runs_postgresql_and_redis_with_volume_claims_and_redis_with_its_append_only_file()
    {
        var rendered = await RenderedOverlay.OfAsync(Overlay.Local);
        var stores = rendered.All<V1StatefulSet>().ToDictionary(s => s.Metadata.Name);

        Assert.Equal(["postgres", "redis"], stores.Keys.Order());
        Assert.All(stores.Values, s => Assert.Equal("data", Assert.Single(s.Spec.VolumeClaimTemplates).Metadata.Name));
        var redis = Assert.Single(stores["redis"].Spec.Template.Spec.Containers);
        Assert.Contains("--appendonly yes", string.Join(' ', redis.Args), StringComparison.Ordinal);
        Assert.Contains(redis.VolumeMounts, m => m is { Name: "data", MountPath: "/data" });
    }

    [Fact]
    public async Task Production_runs_no_data_store_in_the_cluster()
    {
        var rendered = await RenderedOverlay.OfAsync(Overlay.Production);
        var images = rendered.Containers().Select(c => ContainerRulesTests.ImageName(c.Container.Image)).Distinct();

        Assert.Empty(rendered.All<V1StatefulSet>());
        Assert.Empty(rendered.All<V1PersistentVolumeClaim>());
        Assert.Equal(["billing-api", "billing-migrations", "billing-worker"], images.Order());
    }

    [Theory]
    [InlineData(Overlay.Local, "http://otel-collector:4317")]
    [InlineData(Overlay.Production, "http://otel-collector.observability.svc.cluster.local:4317")]
    public async Task Every_billing_container_exports_telemetry_to_the_collector(string overlay, string endpoint)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var config = ApiConfig(rendered);

        Assert.Equal(endpoint, config.Data["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.All(rendered.Containers().Where(c => ContainerRulesTests.ImageName(c.Container.Image).StartsWith("billing-", StringComparison.Ordinal)), c =>
        {
            Assert.Contains(c.Container.EnvFrom ?? [], e => e.ConfigMapRef?.Name == config.Metadata.Name);
            Assert.Contains(c.Container.Env ?? [], e => e.Name == "OTEL_SERVICE_NAME");
        });
        if (overlay == Overlay.Local)
        {
            Assert.Contains(rendered.Service("otel-collector")!.Spec.Ports, p => p.Port == 4317);
        }
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Each_service_reads_its_database_login_from_its_own_secret_and_only_the_migrations_the_owners(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var logins = new Dictionary<string, (V1Container Container, string Variable)>
        {
            ["api"] = (rendered.Deployment("api").Spec.Template.Spec.Containers[0], "ConnectionStrings__billingdb"),
            ["worker"] = (rendered.Deployment("worker").Spec.Template.Spec.Containers[0], "ConnectionStrings__billingdb"),
            // 17a: the migration service reads the owner's login under its own name, never the services' one.
            ["migrations"] = (rendered.All<V1Job>().Single().Spec.Template.Spec.Containers[0], "ConnectionStrings__billingdb-owner"),
        }.ToDictionary(
            pair => pair.Key,
            pair => Assert.Single(pair.Value.Container.Env, e => e.Name == pair.Value.Variable).ValueFrom.SecretKeyRef);
        Assert.DoesNotContain(rendered.All<V1Job>().Single().Spec.Template.Spec.Containers[0].Env, e => e.Name == "ConnectionStrings__billingdb");

        Assert.Equal(3, logins.Values.Select(l => l.Name).Distinct().Count());
        var users = logins.ToDictionary(pair => pair.Key, pair =>
            new Npgsql.NpgsqlConnectionStringBuilder(System.Text.Encoding.UTF8.GetString(rendered.Secret(pair.Value.Name)!.Data[pair.Value.Key])).Username);
        Assert.Equal("billing_owner", users["migrations"]);
        Assert.Equal("billing_api", users["api"]);
        Assert.Equal("billing_worker", users["worker"]);
    }

    [Fact]
    public async Task Only_the_local_overlay_gives_the_migrations_the_superusers_connection_to_create_the_logins()
    {
        var local = (await RenderedOverlay.OfAsync(Overlay.Local)).All<V1Job>().Single().Spec.Template.Spec.Containers[0].Env.Select(e => e.Name);
        var production = (await RenderedOverlay.OfAsync(Overlay.Production)).All<V1Job>().Single().Spec.Template.Spec.Containers[0].Env.Select(e => e.Name);
        string[] provisioning = ["ConnectionStrings__billingdb-admin", "DatabaseLogins__ApiPassword", "DatabaseLogins__WorkerPassword"];

        Assert.Equal(provisioning, local.Intersect(provisioning).Order());
        Assert.Empty(production.Intersect(provisioning));
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task The_api_believes_forwarded_headers_from_the_ingress_controllers_network_only(string overlay)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var api = rendered.Deployment("api").Spec.Template.Spec.Containers[0];
        var config = ApiConfig(rendered);

        // ASP.NET Core's own switch trusts every proxy; 17b's ForwardedHeaders section trusts the networks it names.
        Assert.DoesNotContain(rendered.Containers(), c => (c.Container.Env ?? []).Any(e => e.Name == "ASPNETCORE_FORWARDEDHEADERS_ENABLED"));
        Assert.DoesNotContain("ASPNETCORE_FORWARDEDHEADERS_ENABLED", config.Data.Keys);
        Assert.Equal("true", Assert.Single(api.Env, e => e.Name == "ForwardedHeaders__Enabled").Value);
        Assert.True(System.Net.IPNetwork.TryParse(config.Data["ForwardedHeaders__KnownNetworks__0"], out _));
    }

    [Theory]
    [InlineData(Overlay.Local, "http://billing.localtest.me/")]
    [InlineData(Overlay.Production, "https://billing.example.com/")]
    public async Task Stripe_checkout_and_the_portal_return_to_the_dashboard_at_the_ingress_host(string overlay, string dashboard)
    {
        var rendered = await RenderedOverlay.OfAsync(overlay);
        var config = ApiConfig(rendered);

        Assert.Equal(dashboard, config.Data["Payments__DashboardUrl"]);
        Assert.Equal(new Uri(dashboard).Host, Assert.Single(rendered.All<V1Ingress>()).Spec.Rules[0].Host);
    }

    [Theory]
    [MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public async Task Secret_files_are_ignored_by_git_and_only_their_examples_are_committed(string overlay)
    {
        var secrets = Path.Combine(KustomizeRenderer.DeployDirectory, "overlays", overlay, "secrets");
        var examples = Directory.GetFiles(secrets, "*.env.example");

        Assert.NotEmpty(examples);
        foreach (var example in examples)
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["check-ignore", "-q", example[..^".example".Length]]) { WorkingDirectory = RepositoryPaths.Root })!;
            await git.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(git.ExitCode == 0, $"{example[..^".example".Length]} is not git-ignored");
        }

        var rendered = await RenderedOverlay.OfAsync(overlay);
        Assert.Equal(examples.Length, rendered.All<V1Secret>().Count());
    }

    /// <summary>The settings every billing container reads (<c>envFrom</c>), as the api's container names them.</summary>
    private static V1ConfigMap ApiConfig(RenderedOverlay rendered) =>
        rendered.ConfigMap(rendered.Deployment("api").Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name)!;
}
