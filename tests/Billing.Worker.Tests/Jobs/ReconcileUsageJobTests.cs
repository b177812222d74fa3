using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Stripe;
using Billing.Infrastructure.Data.Entities;
using Billing.Testing;
using Billing.Worker.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe.Billing;
using static Billing.Worker.Tests.Support.Pipeline;

namespace Billing.Worker.Tests.Jobs;

/// <summary>Local totals against Stripe's meter event summaries: agreement, drift the operator sees, and work still in flight.</summary>
public sealed class ReconcileUsageJobTests(StripeSystem system, DataStoresFixture stores) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task A_caught_up_pipeline_reconciles_every_metric_it_billed_with_no_drift()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(tenant.Key, Event("r1", "llm_tokens", 5_000), Event("r2", "api_calls", 3), Event("r3", "user_seats", 7));
        await worker.AggregateAsync();
        await worker.SubmitAsync();
        worker.Clock.Advance(TimeSpan.FromMinutes(10));

        await worker.ReconcileAsync();

        var rows = await RowsAsync(tenant.TenantId);
        Assert.Equal(["api_calls", "llm_tokens", "user_seats"], rows.Select(r => r.Metric).Order());
        Assert.All(rows, r => Assert.Equal((ReconciliationStatus.Ok, 0L, 0, r.LocalValue, r.LocalValue), (r.Status, r.Drift, r.InFlight, r.StripeValue, r.SubmittedValue)));
        Assert.Equal(5_000, rows.Single(r => r.Metric == "llm_tokens").LocalValue);
        Assert.Equal(tenant.Anchor, rows[0].PeriodStart);
    }

    [Fact]
    public async Task Usage_billed_at_stripe_that_was_never_accepted_here_is_drift_listed_for_the_operator_and_measured()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(tenant.Key, Event("d1", "agent_executions", 40));
        await worker.AggregateAsync();
        await worker.SubmitAsync();
        // Something else (a second billing script, a replayed export) sends 15 executions for this customer.
        await system.Stripe.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
        {
            EventName = "agent_executions",
            Identifier = $"foreign-{Guid.NewGuid():N}",
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = tenant.CustomerId, ["value"] = "15" },
            Timestamp = tenant.Anchor.AddMinutes(2).UtcDateTime,
        }, cancellationToken: TestContext.Current.CancellationToken);
        worker.Clock.Advance(TimeSpan.FromMinutes(10));
        using var gauge = new DriftGauge(worker.Services.GetRequiredService<IMeterFactory>());

        await worker.ReconcileAsync();

        var row = Assert.Single(await RowsAsync(tenant.TenantId));
        Assert.Equal((ReconciliationStatus.Drift, 40L, 40L, 55L, 15L), (row.Status, row.LocalValue, row.SubmittedValue, row.StripeValue, row.Drift));
        Assert.True(gauge.Read() >= 15);
        using var http = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);
        var listed = await http.GetFromJsonAsync<JsonElement[]>($"/api/v1/metering/reconciliation?status=drift&tenantId={tenant.TenantId}", TestContext.Current.CancellationToken);
        var item = Assert.Single(listed!);
        Assert.Equal("agent_executions", item.GetProperty("metric").GetString());
        Assert.Equal(15, item.GetProperty("drift").GetInt64());
        Assert.Equal(55, item.GetProperty("stripeValue").GetInt64());
        using var tenantHttp = system.Client(tenant.Key);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await tenantHttp.GetAsync("/api/v1/metering/reconciliation", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_difference_while_events_are_still_unaggregated_is_settling_not_drift()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(tenant.Key, Event("s1", "api_calls", 9));
        await worker.AggregateAsync();
        await worker.SubmitAsync();
        await system.IngestAsync(tenant.Key, Event("s2", "api_calls", 4));
        worker.Clock.Advance(TimeSpan.FromMinutes(10));

        await worker.ReconcileAsync();

        var row = Assert.Single(await RowsAsync(tenant.TenantId));
        Assert.Equal((ReconciliationStatus.Settling, 13L, 9L, -4L, 1), (row.Status, row.LocalValue, row.StripeValue, row.Drift, row.InFlight));
    }

    [Fact]
    public async Task Closing_a_month_bills_at_stripe_exactly_what_the_usage_api_projected_to_the_cent()
    {
        // A customer on a test clock, so the month can be closed; usage goes through ingestion, aggregation and submission.
        var (tenantId, key) = await system.CreateTenantAsync("free");
        var start = DateTimeOffset.UtcNow;
        var clock = await system.Stripe.V1.TestHelpers.TestClocks.CreateAsync(new Stripe.TestHelpers.TestClockCreateOptions { FrozenTime = start.UtcDateTime },
            cancellationToken: TestContext.Current.CancellationToken);
        var customer = await system.Stripe.V1.Customers.CreateAsync(new Stripe.CustomerCreateOptions { TestClock = clock.Id },
            cancellationToken: TestContext.Current.CancellationToken);
        await using (var db = system.CreateDbContext())
        {
            await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(t => t.SetProperty(x => x.StripeCustomerId, customer.Id), TestContext.Current.CancellationToken);
        }

        await system.CardOnFileAsync(customer.Id);
        using var http = system.Client(key);
        (await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "standard" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(key,
            Event("t1", "llm_tokens", 6_000_000), Event("t2", "llm_tokens", 4_002_501),   // 2,501 over at $2 per 1M: 0.5002 ¢ → 1 ¢
            Event("a1", "agent_executions", 10_333),                                       // 333 over at 2 ¢: 666 ¢
            Event("c1", "api_calls", 1_015_000),                                           // 15,000 over at $1 per 10k: 150 ¢
            Event("g1", "storage_mb", 110_000), Event("g2", "storage_mb", 104_000));       // max 110,000: 7,600 MB over at 10 ¢ per GB: 74.21875 ¢ → 74 ¢
        var usage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        await worker.AggregateAsync();
        await worker.SubmitAsync();

        await system.Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = start.AddMonths(1).AddHours(1).UtcDateTime },
            cancellationToken: TestContext.Current.CancellationToken);
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "paid") == 2);

        await using var check = system.CreateDbContext();
        var renewal = await check.Invoices.Include(i => i.Lines).Where(i => i.TenantId == tenantId).OrderByDescending(i => i.PeriodEnd).FirstAsync(TestContext.Current.CancellationToken);
        var projected = usage.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!, m => m.GetProperty("costCents").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["llm_tokens"] = 1, ["api_calls"] = 150, ["agent_executions"] = 666, ["storage_mb"] = 74, ["user_seats"] = 0 }, projected);
        foreach (var (metric, cents) in projected)
        {
            Assert.Equal(cents, renewal.Lines.Where(l => l.Metric == metric).Sum(l => l.AmountCents));
        }

        Assert.Equal(usage.GetProperty("costCents").GetInt64(), renewal.TotalCents);
        Assert.Equal(9_900 + 1 + 150 + 666 + 74, renewal.TotalCents);
    }

    private async Task<List<MeterReconciliation>> RowsAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        return await db.MeterReconciliations.AsNoTracking().Where(r => r.TenantId == tenantId).OrderBy(r => r.Metric).ToListAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Reads the worker's <c>billing.reconciliation.drift</c> gauge, as an OpenTelemetry exporter would.</summary>
    private sealed class DriftGauge : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _value = -1;

        public DriftGauge(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "billing.reconciliation.drift" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Exchange(ref _value, value));
            _listener.Start();
        }

        public long Read()
        {
            _listener.RecordObservableInstruments();
            return Interlocked.Read(ref _value);
        }

        public void Dispose() => _listener.Dispose();
    }
}
