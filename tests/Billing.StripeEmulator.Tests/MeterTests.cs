using Billing.StripeEmulator.Tests.Support;
using Stripe;
using Stripe.Billing;

namespace Billing.StripeEmulator.Tests;

/// <summary>Billing meters, meter events (identifier de-duplication, timestamp rules), adjustments and summaries.</summary>
public sealed class MeterTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private StripeClient Stripe => _host.Stripe;

    [Fact]
    public async Task Meters_are_created_listed_and_deactivated()
    {
        var meter = await CreateMeterAsync("storage_gb", "last");

        var deactivated = await Stripe.V1.Billing.Meters.DeactivateAsync(meter.Id);
        var active = await Stripe.V1.Billing.Meters.ListAsync(new MeterListOptions { Status = "active" });
        var fetched = await Stripe.V1.Billing.Meters.GetAsync(meter.Id);

        Assert.StartsWith("mtr_", meter.Id);
        Assert.Equal("last", meter.DefaultAggregation.Formula);
        Assert.Equal("stripe_customer_id", meter.CustomerMapping.EventPayloadKey);
        Assert.Equal("inactive", deactivated.Status);
        Assert.NotNull(deactivated.StatusTransitions.DeactivatedAt);
        Assert.Empty(active.Data);
        Assert.Equal("inactive", fetched.Status);
    }

    [Fact]
    public async Task Summaries_sum_events_once_per_identifier_and_skip_cancelled_ones()
    {
        var meter = await CreateMeterAsync("api_calls", "sum");
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var start = MinuteFloor(DateTime.UtcNow.AddHours(-2));
        await SendAsync(customer.Id, "api_calls", "e1", 10, start.AddMinutes(1));
        await SendAsync(customer.Id, "api_calls", "e1", 10, start.AddMinutes(1));
        await SendAsync(customer.Id, "api_calls", "e2", 5, start.AddMinutes(2));
        await SendAsync(customer.Id, "api_calls", "e3", 100, start.AddMinutes(3));
        await Stripe.V1.Billing.MeterEventAdjustments.CreateAsync(new MeterEventAdjustmentCreateOptions
        {
            EventName = "api_calls",
            Type = "cancel",
            Cancel = new MeterEventAdjustmentCancelOptions { Identifier = "e3" },
        });

        var summaries = await Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id, new MeterEventSummaryListOptions
        {
            Customer = customer.Id,
            StartTime = start,
            EndTime = start.AddHours(1),
        });

        Assert.Equal(15m, summaries.Data.Single().AggregatedValue);
    }

    [Fact]
    public async Task Hourly_summaries_group_events_by_hour()
    {
        var meter = await CreateMeterAsync("requests", "count");
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var hour = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, DateTime.UtcNow.Day, DateTime.UtcNow.Hour, 0, 0, DateTimeKind.Utc).AddHours(-3);
        await SendAsync(customer.Id, "requests", "r1", 1, hour.AddMinutes(5));
        await SendAsync(customer.Id, "requests", "r2", 1, hour.AddMinutes(59));
        await SendAsync(customer.Id, "requests", "r3", 1, hour.AddHours(1).AddMinutes(1));

        var summaries = await Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id, new MeterEventSummaryListOptions
        {
            Customer = customer.Id,
            StartTime = hour,
            EndTime = hour.AddHours(2),
            ValueGroupingWindow = "hour",
        });

        Assert.Equal([2m, 1m], summaries.Data.Select(s => s.AggregatedValue));
        Assert.Equal(hour, summaries.Data[0].StartTime);
        Assert.Equal(hour.AddHours(1), summaries.Data[0].EndTime);
    }

    [Fact]
    public async Task Daily_summaries_split_at_utc_midnight_and_clip_to_the_window()
    {
        var meter = await CreateMeterAsync("tokens", "sum");
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var midnight = DateTime.UtcNow.Date.AddDays(-2);
        await SendAsync(customer.Id, "tokens", "t1", 30, midnight.AddHours(-1));
        await SendAsync(customer.Id, "tokens", "t2", 12, midnight.AddHours(5));

        var summaries = await Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id, new MeterEventSummaryListOptions
        {
            Customer = customer.Id,
            StartTime = midnight.AddHours(-2),
            EndTime = midnight.AddHours(12),
            ValueGroupingWindow = "day",
        });

        Assert.Equal([30m, 12m], summaries.Data.Select(s => s.AggregatedValue));
        Assert.Equal([midnight.AddHours(-2), midnight], summaries.Data.Select(s => s.StartTime));
        Assert.Equal([midnight, midnight.AddHours(12)], summaries.Data.Select(s => s.EndTime));
    }

    [Fact]
    public async Task The_last_formula_takes_the_latest_value()
    {
        var meter = await CreateMeterAsync("seats", "last");
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var start = MinuteFloor(DateTime.UtcNow.AddHours(-1));
        await SendAsync(customer.Id, "seats", "s2", 7, start.AddMinutes(20));
        await SendAsync(customer.Id, "seats", "s1", 3, start.AddMinutes(10));

        var summaries = await Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id, new MeterEventSummaryListOptions
        {
            Customer = customer.Id,
            StartTime = start,
            EndTime = start.AddHours(1),
        });

        Assert.Equal(7m, summaries.Data.Single().AggregatedValue);
    }

    [Fact]
    public async Task Summary_windows_must_be_minute_aligned()
    {
        var meter = await CreateMeterAsync("aligned", "sum");
        var start = MinuteFloor(DateTime.UtcNow.AddHours(-1)).AddSeconds(30);

        var error = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id,
            new MeterEventSummaryListOptions { Customer = "cus_x", StartTime = start, EndTime = start.AddMinutes(30) }));

        Assert.Equal("start_time", error.StripeError.Param);
    }

    [Fact]
    public async Task Events_older_than_35_days_or_more_than_5_minutes_ahead_are_refused()
    {
        await CreateMeterAsync("api_calls", "sum");
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());

        var old = await Assert.ThrowsAsync<StripeException>(() => SendAsync(customer.Id, "api_calls", "old", 1, DateTime.UtcNow.AddDays(-36)));
        var future = await Assert.ThrowsAsync<StripeException>(() => SendAsync(customer.Id, "api_calls", "future", 1, DateTime.UtcNow.AddMinutes(10)));
        var accepted = await SendAsync(customer.Id, "api_calls", "ok", 1, DateTime.UtcNow.AddMinutes(4));

        Assert.Equal("timestamp_too_far_in_past", old.StripeError.Code);
        Assert.Equal("timestamp_in_future", future.StripeError.Code);
        Assert.Equal("ok", accepted.Identifier);
    }

    [Fact]
    public async Task An_event_without_a_customer_is_refused()
    {
        await CreateMeterAsync("api_calls", "sum");

        var error = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
        {
            EventName = "api_calls",
            Payload = new Dictionary<string, string> { ["value"] = "1" },
        }));

        Assert.Equal("payload[stripe_customer_id]", error.StripeError.Param);
    }

    private Task<Meter> CreateMeterAsync(string eventName, string formula) =>
        Stripe.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
        {
            DisplayName = eventName,
            EventName = eventName,
            DefaultAggregation = new MeterDefaultAggregationOptions { Formula = formula },
            CustomerMapping = new MeterCustomerMappingOptions { Type = "by_id", EventPayloadKey = "stripe_customer_id" },
            ValueSettings = new MeterValueSettingsOptions { EventPayloadKey = "value" },
        });

    private Task<MeterEvent> SendAsync(string customer, string eventName, string identifier, long value, DateTime at) =>
        Stripe.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
        {
            EventName = eventName,
            Identifier = identifier,
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Timestamp = at,
        });

    private static DateTime MinuteFloor(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Utc);
}
