using System.Text.RegularExpressions;
using Billing.Deploy.Tests.Rendering;
using Billing.Testing;
using k8s.Models;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Deploy.Tests.Boot;

/// <summary>
/// Starts the system the way a cluster would from an overlay's rendered objects, with processes on this machine: the
/// PostgreSQL and Redis StatefulSets become the test's own servers, set up as their images set themselves up; the
/// collector is an OTLP receiver; every Deployment and Job with a billing image becomes its service's process, with
/// exactly the environment its container gets and the port its manifest declares, each Service's name and port
/// rewritten to the loopback port of what it selects. Order: Deployments without init containers, then Jobs (which must
/// exit 0), then init containers (which must exit 0) and their Deployments; each Deployment must answer its readiness
/// probe with 200. Anything else throws a <see cref="BootFailure"/> naming the workload.
/// </summary>
public sealed partial class ManifestBoot : IAsyncDisposable
{
    private readonly RenderedOverlay _overlay;
    private readonly PostgresServer _postgres = new();
    private readonly RedisServer _redis = new();
    private readonly LoopbackServices _services = new();
    private readonly Dictionary<(string Workload, int ContainerPort), int> _ports = new();
    private readonly List<ServiceProcess> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly string _volumes = Directory.CreateTempSubdirectory("billing-boot-volumes-").FullName;
    private OtlpReceiver? _collector;
    private (string User, string Password) _superuser;

    private ManifestBoot(RenderedOverlay overlay) => _overlay = overlay;

    /// <summary>Each workload's main container environment, as the boot resolved it (before loopback rewriting).</summary>
    public Dictionary<string, IReadOnlyDictionary<string, string>> Environments { get; } = new();

    /// <summary>The steps taken, in order: what the closing report of a run shows.</summary>
    public List<string> Steps { get; } = [];

    public OtlpReceiver Collector => _collector!;

    /// <summary>The superuser's connection to a database of the test's PostgreSQL, as the StatefulSet set it up.</summary>
    public string PostgresAdmin(string database) => _postgres.Login(database, _superuser.User, _superuser.Password);

    /// <summary>The loopback address a Service's port stands for.</summary>
    public Uri ServiceUrl(string service)
    {
        var port = _overlay.Service(service)?.Spec.Ports[0].Port ?? throw new InvalidOperationException($"no Service {service}");
        return new(_services.Rewrite($"http://{service}:{port}/"));
    }

    public static async Task<ManifestBoot> StartAsync(RenderedOverlay overlay)
    {
        var boot = new ManifestBoot(overlay);
        try
        {
            await boot.RunAsync();
            return boot;
        }
        catch
        {
            await boot.DisposeAsync();
            throw;
        }
    }

    private async Task RunAsync()
    {
        _collector = await OtlpReceiver.StartAsync();
        var workloads = Workloads().ToList();
        foreach (var workload in workloads.Where(w => ServiceBinaries.IsBillingImage(w.Image)))
        {
            foreach (var port in workload.Template.Spec.Containers.SelectMany(c => c.Ports ?? []))
            {
                _ports[(workload.Name, port.ContainerPort)] = LocalServerProcess.FreePort();
            }
        }

        MapServices();
        // Every billing container's environment first: the kubelet refuses a pod whose references do not resolve.
        var plans = workloads.Where(w => ServiceBinaries.IsBillingImage(w.Image)).Select(Plan).ToList();

        await Task.WhenAll(_postgres.StartAsync(), _redis.StartAsync());
        await SetUpPostgresAsync(workloads.Single(w => w.Image == "postgres"));
        await SetUpRedisAsync(workloads.Single(w => w.Image == "redis"));

        foreach (var plan in plans.Where(p => p.Kind == "Deployment" && p.Init.Count == 0))
        {
            await StartDeploymentAsync(plan);
        }

        foreach (var plan in plans.Where(p => p.Kind == "Job"))
        {
            await using var job = ServiceProcess.Start(plan.Name, plan.Image, plan.Main.Args, plan.Main.Environment);
            await job.CompletesAsync(TimeSpan.FromMinutes(3));
            Steps.Add($"Job/{plan.Name} exited 0");
        }

        foreach (var plan in plans.Where(p => p.Kind == "Deployment" && p.Init.Count > 0))
        {
            foreach (var init in plan.Init)
            {
                await using var process = ServiceProcess.Start($"{plan.Name} init container {init.Name}", init.Image, init.Args, init.Environment);
                await process.CompletesAsync(TimeSpan.FromMinutes(1));
                Steps.Add($"Deployment/{plan.Name} init container {init.Name} exited 0");
            }

            await StartDeploymentAsync(plan);
        }
    }

    private async Task StartDeploymentAsync(WorkloadPlan plan)
    {
        var process = ServiceProcess.Start(plan.Name, plan.Image, plan.Main.Args, plan.Main.Environment);
        _processes.Add(process);
        var probe = plan.Main.Container.ReadinessProbe?.HttpGet ?? throw new BootFailure(plan.Name, "no HTTP readiness probe");
        var port = ContainerPorts.Resolve(plan.Main.Container, probe.Port) ?? throw new BootFailure(plan.Name, $"readiness probe port {probe.Port.Value} is not declared");
        var startup = plan.Main.Container.StartupProbe;
        var limit = TimeSpan.FromSeconds((startup?.PeriodSeconds ?? 10) * (startup?.FailureThreshold ?? 3));
        await process.AnswersAsync(_http, new Uri($"http://127.0.0.1:{_ports[(plan.Name, port.ContainerPort)]}{probe.Path}"), limit);
        Steps.Add($"Deployment/{plan.Name} answered {probe.Path} with 200");
    }

    private sealed record ContainerPlan(string Name, string Image, V1Container Container, List<string> Args, Dictionary<string, string> Environment);

    private sealed record WorkloadPlan(string Kind, string Name, string Image, ContainerPlan Main, List<ContainerPlan> Init);

    private sealed record Workload(string Kind, string Name, string Image, V1PodTemplateSpec Template);

    private IEnumerable<Workload> Workloads() =>
        _overlay.PodTemplates().Select(p =>
        {
            var (kind, name) = (p.Owner[..p.Owner.IndexOf('/')], p.Owner[(p.Owner.IndexOf('/') + 1)..]);
            return new Workload(kind, name, ContainerRulesTests.ImageName(Assert.Single(p.Template.Spec.Containers).Image), p.Template);
        });

    /// <summary>Each Service port stands for the loopback port of what its pods run: a started service, or a test server.</summary>
    private void MapServices()
    {
        foreach (var service in _overlay.All<V1Service>())
        {
            var workload = Workloads().Single(w => Labels.Match(service.Spec.Selector, w.Template.Metadata.Labels));
            var container = workload.Template.Spec.Containers[0];
            foreach (var port in service.Spec.Ports)
            {
                var containerPort = ContainerPorts.Resolve(container, port.TargetPort)
                    ?? throw new BootFailure(workload.Name, $"Service {service.Metadata.Name} targets port {port.TargetPort.Value}, which its container does not declare");
                int? loopback = workload.Image switch
                {
                    "postgres" => _postgres.Port,
                    "redis" => _redis.Port,
                    "opentelemetry-collector" => port.Port == 4317 ? _collector!.Port : null,
                    _ when ServiceBinaries.IsBillingImage(workload.Image) => _ports[(workload.Name, containerPort.ContainerPort)],
                    _ => throw new BootFailure(workload.Name, $"the boot runs no image {workload.Image}"),
                };
                if (loopback is { } mapped)
                {
                    _services.Map(service, port.Port, mapped);
                }
            }
        }
    }

    private WorkloadPlan Plan(Workload workload)
    {
        var init = (workload.Template.Spec.InitContainers ?? []).Select(c => PlanContainer(workload, c)).ToList();
        return new(workload.Kind, workload.Name, workload.Image, PlanContainer(workload, workload.Template.Spec.Containers[0]), init);
    }

    private ContainerPlan PlanContainer(Workload workload, V1Container container)
    {
        var image = ContainerRulesTests.ImageName(container.Image);
        if (!ServiceBinaries.IsBillingImage(image))
        {
            throw new BootFailure(workload.Name, $"container {container.Name} runs {image}, which the boot cannot start");
        }

        var environment = ContainerEnvironment.Resolve(_overlay, workload.Name, container, ServiceBinaries.ImageEnvironment(image));
        if (container == workload.Template.Spec.Containers[0])
        {
            Environments[workload.Name] = new Dictionary<string, string>(environment);
        }

        var rewritten = environment.ToDictionary(pair => pair.Key, pair => _services.Rewrite(MountedPath(workload, container, pair.Value)));
        if (rewritten.TryGetValue("ASPNETCORE_HTTP_PORTS", out var listens) && container.Ports is { Count: > 0 } ports)
        {
            // The port the app listens on must be the one its probes and Service use; it becomes that port's loopback twin.
            var declared = ports.Select(p => p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (!declared.Contains(listens))
            {
                throw new BootFailure(workload.Name, $"the app listens on {listens} (ASPNETCORE_HTTP_PORTS) but the container declares port {string.Join(", ", declared)}");
            }

            rewritten["ASPNETCORE_HTTP_PORTS"] = _ports[(workload.Name, int.Parse(listens, System.Globalization.CultureInfo.InvariantCulture))].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new(container.Name, image, container, [.. container.Command ?? [], .. container.Args ?? []], rewritten);
    }

    /// <summary>A path under a volume's mount point becomes the same path under a folder of the test's.</summary>
    private string MountedPath(Workload workload, V1Container container, string value)
    {
        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (value.StartsWith(mount.MountPath + "/", StringComparison.Ordinal))
            {
                var folder = Path.Combine(_volumes, workload.Name, mount.Name);
                Directory.CreateDirectory(folder);
                return Path.GetFullPath(Path.Combine(folder, value[(mount.MountPath.Length + 1)..]));
            }
        }

        return value;
    }

    /// <summary>
    /// What the postgres image does on an empty volume: the superuser <c>POSTGRES_USER</c> with the password
    /// <c>POSTGRES_PASSWORD</c> (required), and the database <c>POSTGRES_DB</c>.
    /// </summary>
    private async Task SetUpPostgresAsync(Workload workload)
    {
        var container = workload.Template.Spec.Containers[0];
        var environment = ContainerEnvironment.Resolve(_overlay, workload.Name, container, new Dictionary<string, string>());
        if (environment.GetValueOrDefault("POSTGRES_PASSWORD") is not { Length: > 0 } password)
        {
            throw new BootFailure(workload.Name, "the postgres image refuses to initialise a database without POSTGRES_PASSWORD");
        }

        var user = environment.GetValueOrDefault("POSTGRES_USER") ?? "postgres";
        var database = environment.GetValueOrDefault("POSTGRES_DB") ?? user;
        await using (var connection = new NpgsqlConnection(_postgres.ConnectionString()))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = @user", connection);
            exists.Parameters.AddWithValue("user", user);
            var verb = (long)(await exists.ExecuteScalarAsync())! == 0 ? "CREATE" : "ALTER";
            await using var role = new NpgsqlCommand($"{verb} ROLE \"{user}\" SUPERUSER LOGIN PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection);
            await role.ExecuteNonQueryAsync();
            // The test's server may hold the database already (its start script creates billingdb).
            await using var existing = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
            existing.Parameters.AddWithValue("name", database);
            await using var create = new NpgsqlCommand((long)(await existing.ExecuteScalarAsync())! == 0
                ? $"CREATE DATABASE \"{database}\" OWNER \"{user}\""
                : $"ALTER DATABASE \"{database}\" OWNER TO \"{user}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        NpgsqlConnection.ClearAllPools();
        _superuser = (user, password);
        Steps.Add($"StatefulSet/{workload.Name} initialised database {database} for superuser {user} with POSTGRES_PASSWORD");
    }

    /// <summary>The Redis StatefulSet's password: the variable its command line gives <c>requirepass</c>.</summary>
    private async Task SetUpRedisAsync(Workload workload)
    {
        var container = workload.Template.Spec.Containers[0];
        var environment = ContainerEnvironment.Resolve(_overlay, workload.Name, container, new Dictionary<string, string>());
        var commandLine = string.Join(' ', [.. container.Command ?? [], .. container.Args ?? []]);
        var variable = RequirePass().Match(commandLine);
        if (!variable.Success || !environment.TryGetValue(variable.Groups[1].Value, out var password))
        {
            throw new BootFailure(workload.Name, $"no requirepass from a defined variable in: {commandLine}");
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        await redis.GetServers()[0].ConfigSetAsync("requirepass", password);
        Steps.Add($"StatefulSet/{workload.Name} requires the password from {variable.Groups[1].Value}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _http.Dispose();
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }

        await _postgres.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_volumes, recursive: true);
    }

    [GeneratedRegex(@"requirepass \$\{?([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex RequirePass();
}
