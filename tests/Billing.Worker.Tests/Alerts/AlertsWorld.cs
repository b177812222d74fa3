using Billing.Infrastructure.Alerts;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Worker.Tests.Alerts;

/// <summary>
/// The worker's own service registrations on a fresh migrated database, built but not started (no Hangfire server
/// runs jobs behind the tests' backs): tests call the detector and the deliverer with the times they choose.
/// </summary>
public sealed class AlertsWorld : IAsyncDisposable
{
    /// <summary>The start of the tests' billing periods; <see cref="Now"/> is nine days into the first.</summary>
    public static readonly DateTimeOffset Anchor = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Now = Anchor.AddDays(9);

    private readonly WebApplication _app;

    private AlertsWorld(WebApplication app, FakeTimeProvider clock, string connectionString)
    {
        _app = app;
        Clock = clock;
        ConnectionString = connectionString;
    }

    /// <summary>The worker's clock: it stands still unless a test (or a test's receiver) moves it.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The superuser's connection, for the tests' own seeding and checks (the worker runs on its own login).</summary>
    public string ConnectionString { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="settings">Configuration on top of the defaults, e.g. <c>Alerts:MaxAttempts</c>.</param>
    public static async Task<AlertsWorld> CreateAsync(DataStoresFixture stores, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = database.Worker,
            ["ConnectionStrings:redis"] = stores.Redis.ConnectionString,
            // The receivers of these tests listen on http://127.0.0.1.
            ["Alerts:AllowPrivateNetworks"] = "true",
            ["Alerts:AllowHttp"] = "true",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddServiceDefaults();
        builder.AddWorkerServices();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        builder.Services.AddSingleton<TimeProvider>(clock);
        return new AlertsWorld(builder.Build(), clock, database.Superuser);
    }

    public BillingDbContext CreateDbContext() => DataStoresFixture.CreateDbContext(ConnectionString);

    public async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public Task<IReadOnlyList<Domain.Alerts.ThresholdCrossing>> EvaluateAsync(Guid tenantId, DateTimeOffset now) =>
        WithScopeAsync(sp => sp.GetRequiredService<AlertDetector>().EvaluateAsync(tenantId, now, TestContext.Current.CancellationToken));

    /// <summary>A delivery pass with the clock set to <paramref name="now"/>.</summary>
    public Task<AlertDeliverer.PassResult> DeliverAsync(DateTimeOffset now)
    {
        Clock.AdjustTime(now);
        return DeliverNowAsync();
    }

    /// <summary>A delivery pass at the clock's time, as another worker would run one.</summary>
    public Task<AlertDeliverer.PassResult> DeliverNowAsync() =>
        WithScopeAsync(sp => sp.GetRequiredService<AlertDeliverer>().DeliverDueAsync(TestContext.Current.CancellationToken));

    /// <summary>A tenant with an active subscription anchored at <paramref name="anchor"/>, as the tenants API creates one.</summary>
    public async Task<Guid> CreateTenantAsync(
        DateTimeOffset anchor, string plan = "standard", string? webhookUrl = null, long? spendLimitCents = null)
    {
        await using var db = CreateDbContext();
        var tenant = new Tenant
        {
            Id = Guid.CreateVersion7(), Name = $"alerts-{Guid.NewGuid():N}", Plan = plan, CreatedAt = anchor, UpdatedAt = anchor,
            AlertWebhookUrl = webhookUrl, AlertWebhookSecret = webhookUrl is null ? null : AlertSecrets.Generate(), SpendLimitCents = spendLimitCents,
        };
        db.Tenants.Add(tenant);
        db.Subscriptions.Add(new Subscription
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.Id, Plan = plan, Status = "active", BillingAnchor = anchor,
            CurrentPeriodStart = anchor, CurrentPeriodEnd = anchor.AddMonths(1), CreatedAt = anchor, UpdatedAt = anchor,
        });
        await db.SaveChangesAsync();
        return tenant.Id;
    }

    /// <summary>Stores a usage event as ingestion does; <paramref name="receivedAt"/> defaults to the database's now.</summary>
    public async Task AddUsageAsync(Guid tenantId, string metric, long value, DateTimeOffset occurredAt, DateTimeOffset? receivedAt = null)
    {
        await using var db = CreateDbContext();
        var usage = new UsageEvent { TenantId = tenantId, EventId = $"e-{Guid.NewGuid():N}", Metric = metric, Value = value, OccurredAt = occurredAt };
        if (receivedAt is { } at)
        {
            usage.ReceivedAt = at;
        }

        db.UsageEvents.Add(usage);
        await db.SaveChangesAsync();
    }

    public async Task<List<UsageAlert>> AlertsAsync(Guid tenantId)
    {
        await using var db = CreateDbContext();
        return await db.UsageAlerts.AsNoTracking().Where(a => a.TenantId == tenantId)
            .OrderBy(a => a.Kind).ThenBy(a => a.Metric).ThenBy(a => a.PeriodStart).ThenBy(a => a.ThresholdPercent).ToListAsync();
    }

    public async Task<string> SecretOfAsync(Guid tenantId)
    {
        await using var db = CreateDbContext();
        return await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.AlertWebhookSecret!).SingleAsync();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
