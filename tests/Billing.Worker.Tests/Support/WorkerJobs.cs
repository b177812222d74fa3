using Billing.Api.Tests.Stripe;
using Billing.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Worker.Tests.Support;

/// <summary>
/// The worker's jobs composed exactly as the worker composes them (<c>AddWorkerJobs</c>), against the database,
/// Redis and Stripe emulator of a <see cref="StripeSystem"/>, on a clock the test moves. No Hangfire server runs:
/// the test runs each job when the scenario needs it, which is also how a crash between two jobs is staged.
/// </summary>
public sealed class WorkerJobs : IAsyncDisposable
{
    private readonly IHost _host;

    public FakeTimeProvider Clock { get; }

    public IServiceProvider Services => _host.Services;

    public WorkerJobs(StripeSystem system, DataStoresFixture stores, Action<IHostApplicationBuilder>? configure = null)
    {
        // Buckets close five minutes after they start; the worker's clock runs ahead of the wall clock the events carry.
        Clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = system.Database.Worker,
            ["ConnectionStrings:redis"] = stores.Redis.ConnectionString,
            ["Stripe:SecretKey"] = StripeSystem.SecretKey,
            ["Stripe:ApiBase"] = system.EmulatorUrl,
        });
        builder.AddWorkerJobs();
        builder.Services.AddSingleton<TimeProvider>(Clock);
        configure?.Invoke(builder);
        _host = builder.Build();
    }

    public async Task RunAsync<TJob>(Func<TJob, CancellationToken, Task> run) where TJob : notnull
    {
        await using var scope = _host.Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<TJob>(), TestContext.Current.CancellationToken);
    }

    public Task AggregateAsync() => RunAsync<Billing.Worker.Jobs.AggregateUsageJob>((job, ct) => job.RunAsync(ct));

    public Task SubmitAsync() => RunAsync<Billing.Worker.Jobs.SubmitUsageJob>((job, ct) => job.RunAsync(ct));

    public Task ReconcileAsync() => RunAsync<Billing.Worker.Jobs.ReconcileUsageJob>((job, ct) => job.RunAsync(ct));

    public ValueTask DisposeAsync()
    {
        _host.Dispose();
        return ValueTask.CompletedTask;
    }
}
