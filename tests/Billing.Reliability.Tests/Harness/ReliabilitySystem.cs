using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Data;
using Billing.Testing;
using Npgsql;
using Stripe;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// The whole system as separate processes, as the AppHost runs it: PostgreSQL and Redis (append-only file) through the
/// AppHost's scripts, the Stripe emulator (state in a data file, so it survives its own restart), the migration service
/// run to completion as the owner, then two APIs and two workers, each on its own database login.
/// </summary>
public sealed class ReliabilitySystem : IAsyncLifetime
{
    public const string EmulatorKey = "sk_test_reliability0123456789";
    public const string WebhookSecret = "whsec_reliability0123456789abcdef";
    public const string OperatorKey = "reliability-operator-key-0123456789abcdef";
    public const string Database = "billingdb";
    public const string Cache = "redis";

    private readonly string _folder = Directory.CreateTempSubdirectory("billing-reliability-").FullName;

    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    public ServiceProcess Emulator { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Apis { get; private set; } = [];

    public IReadOnlyList<ServiceProcess> Workers { get; private set; } = [];

    public StripeClient Stripe { get; private set; } = null!;

    public HangfireJobs Jobs { get; private set; } = null!;

    /// <summary>The clock the services, the emulator and the clients share; moved only by the period-close scenario.</summary>
    public SharedClock Clock { get; private set; } = null!;

    /// <summary>The tests' own view of the database: the superuser, which sees every tenant's rows.</summary>
    public string Superuser => Postgres.ConnectionString(Database);

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        await Task.WhenAll(Postgres.StartAsync(token), Redis.StartAsync(token));
        Clock = new SharedClock(Path.Combine(_folder, "test-clock.json"));

        var api1Port = LocalServerProcess.FreePort();
        Emulator = new ServiceProcess("stripe-emulator", "Billing.StripeEmulator", new Dictionary<string, string>
        {
            ["Emulator__ApiKey"] = EmulatorKey,
            ["Emulator__WebhookSecret"] = WebhookSecret,
            ["Emulator__DataFile"] = Path.Combine(_folder, "stripe-emulator.json"),
            ["Emulator__WebhookRetryBaseMs"] = "500",
            ["Emulator__WebhookMaxAttempts"] = "12",
            ["Emulator__WebhookUrl"] = $"http://127.0.0.1:{api1Port}/api/v1/webhooks/stripe",
            // A renewal stays a draft for an hour, as at Stripe, so usage sent after the period's end is still billed on it.
            ["Emulator__RenewalDraftSeconds"] = "3600",
        });
        await Emulator.StartAsync(token);
        Stripe = new StripeClient(new StripeClientOptions
        {
            ApiKey = EmulatorKey,
            ApiBase = Emulator.BaseAddress.ToString().TrimEnd('/'),
            MeterEventsBase = Emulator.BaseAddress.ToString().TrimEnd('/'),
        });

        await MigrateAsync(token);

        var logins = Postgres.Logins;
        Apis = [Service("api-1", "Billing.Api", Postgres.Login(Database, DatabaseRoles.Api, logins.ApiPassword), api1Port),
                Service("api-2", "Billing.Api", Postgres.Login(Database, DatabaseRoles.Api, logins.ApiPassword))];
        Workers = [Service("worker-1", "Billing.Worker", WorkerConnection),
                   Service("worker-2", "Billing.Worker", WorkerConnection)];
        foreach (var service in Apis.Concat(Workers))
        {
            await service.StartAsync(token);
        }

        Jobs = new HangfireJobs(Superuser);
    }

    private string WorkerConnection => Postgres.Login(Database, DatabaseRoles.Worker, Postgres.Logins.WorkerPassword);

    /// <summary>An HTTP client for one API with a bearer key.</summary>
    public static HttpClient Client(ServiceProcess api, string key, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>A cache-free connection to the database as the superuser.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(Superuser + ";Pooling=false;Timeout=5");
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The emulator's control surface (<c>/_emulator/...</c>).</summary>
    public HttpClient EmulatorControl()
    {
        var http = new HttpClient { BaseAddress = Emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", EmulatorKey);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Workers.Concat(Apis).Append(Emulator).OfType<ServiceProcess>())
        {
            await service.DisposeAsync();
        }

        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private ServiceProcess Service(string name, string project, string database, int? port = null) =>
        new(name, project, new Dictionary<string, string>
        {
            [$"ConnectionStrings__{Database}"] = database,
            [$"ConnectionStrings__{Cache}"] = Redis.ConnectionString,
            ["Stripe__SecretKey"] = EmulatorKey,
            ["Stripe__WebhookSecret"] = WebhookSecret,
            ["Stripe__ApiBase"] = Emulator.BaseAddress.ToString().TrimEnd('/'),
            ["Stripe__MeterEventsBase"] = Emulator.BaseAddress.ToString().TrimEnd('/'),
            ["Auth__OperatorKey"] = OperatorKey,
            // Every bucket closes at once and a failed send is retried within seconds: the suite drains to completion
            // instead of waiting the production minute-plus-bucket (a late event becomes a further revision).
            ["Submission__Settle"] = "-00:05:00",
            ["Submission__RetryBase"] = "00:00:01",
            ["Submission__RetryMax"] = "00:00:04",
            // The zero-loss configuration: metered usage is written before the answer. With the buffer on (the default)
            // a kill -9 loses the metered requests answered since the last flush (5 ms), the documented crash window
            // that "0 lost" would otherwise count.
            ["UsageBuffer__Enabled"] = "false",
            // A clock the suite can move with the emulator's, to close a billing period under load (Development only).
            ["TestClock__File"] = Clock.File,
        }, port);

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var folder = ServiceProcess.OutputFolder("Billing.MigrationService");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, "Billing.MigrationService.dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment[$"ConnectionStrings__{Database}-owner"] = Postgres.Login(Database, Postgres.Logins.Owner, Postgres.Logins.OwnerPassword);
        start.Environment[$"ConnectionStrings__{Database}-admin"] = Superuser;
        start.Environment["DatabaseLogins__ApiPassword"] = Postgres.Logins.ApiPassword;
        start.Environment["DatabaseLogins__WorkerPassword"] = Postgres.Logins.WorkerPassword;
        start.Environment["Stripe__SecretKey"] = EmulatorKey;
        start.Environment["Stripe__ApiBase"] = Emulator.BaseAddress.ToString().TrimEnd('/');
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"migration service exited with {process.ExitCode}:\n{await output}\n{await errors}");
        }
    }
}
