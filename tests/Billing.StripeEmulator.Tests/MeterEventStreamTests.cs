using Billing.StripeEmulator.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Stripe;
using Stripe.Billing;
using Stripe.V2.Billing;

namespace Billing.StripeEmulator.Tests;

/// <summary>The v2 high-volume path: a 15-minute session token, then streams of at most 100 events.</summary>
public sealed class MeterEventStreamTests
{
    [Fact]
    public async Task Streamed_events_count_once_per_identifier()
    {
        await using var host = await EmulatorHost.StartAsync();
        var meter = await CreateMeterAsync(host.Stripe);
        var customer = await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var start = DateTime.UtcNow.AddMinutes(-30);
        start = new DateTime(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, DateTimeKind.Utc);

        var session = await host.Stripe.V2.Billing.MeterEventSession.CreateAsync(new MeterEventSessionCreateOptions());
        await host.Stripe.V2.Billing.MeterEventStream.CreateAsync(
            new MeterEventStreamCreateOptions { Events = [Event(customer.Id, "s1", 4, start.AddMinutes(1)), Event(customer.Id, "s1", 4, start.AddMinutes(1)), Event(customer.Id, "s2", 6, start.AddMinutes(2))] },
            new RequestOptions { ApiKey = session.AuthenticationToken });
        var summary = await host.Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.Id,
            new MeterEventSummaryListOptions { Customer = customer.Id, StartTime = start, EndTime = start.AddHours(1) });

        Assert.True(session.ExpiresAt - session.Created <= TimeSpan.FromMinutes(15));
        Assert.Equal(10m, summary.Data.Single().AggregatedValue);
    }

    [Fact]
    public async Task More_than_100_events_in_one_request_are_refused()
    {
        await using var host = await EmulatorHost.StartAsync();
        await CreateMeterAsync(host.Stripe);
        var session = await host.Stripe.V2.Billing.MeterEventSession.CreateAsync(new MeterEventSessionCreateOptions());
        var events = Enumerable.Range(0, 101).Select(i => Event("cus_x", $"e{i}", 1, DateTime.UtcNow)).ToList();

        var error = await Assert.ThrowsAnyAsync<StripeException>(() => host.Stripe.V2.Billing.MeterEventStream.CreateAsync(
            new MeterEventStreamCreateOptions { Events = events }, new RequestOptions { ApiKey = session.AuthenticationToken }));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.HttpStatusCode);
    }

    [Fact]
    public async Task A_session_token_expires_after_15_minutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await EmulatorHost.StartAsync(builder => builder.Services.AddSingleton<TimeProvider>(time));
        await CreateMeterAsync(host.Stripe);
        var session = await host.Stripe.V2.Billing.MeterEventSession.CreateAsync(new MeterEventSessionCreateOptions());
        var options = new MeterEventStreamCreateOptions { Events = [Event("cus_x", "early", 1, time.GetUtcNow().UtcDateTime)] };
        await host.Stripe.V2.Billing.MeterEventStream.CreateAsync(options, new RequestOptions { ApiKey = session.AuthenticationToken });

        time.Advance(TimeSpan.FromMinutes(16));
        var late = new MeterEventStreamCreateOptions { Events = [Event("cus_x", "late", 1, time.GetUtcNow().UtcDateTime)] };
        var error = await Assert.ThrowsAsync<Stripe.V2.TemporarySessionExpiredException>(() =>
            host.Stripe.V2.Billing.MeterEventStream.CreateAsync(late, new RequestOptions { ApiKey = session.AuthenticationToken }));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.HttpStatusCode);
    }

    private static MeterEventStreamCreateEventOptions Event(string customer, string identifier, long value, DateTime at) => new()
    {
        EventName = "stream_calls",
        Identifier = identifier,
        Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Timestamp = at,
    };

    private static Task<Meter> CreateMeterAsync(StripeClient stripe) => stripe.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
    {
        DisplayName = "Stream calls",
        EventName = "stream_calls",
        DefaultAggregation = new MeterDefaultAggregationOptions { Formula = "sum" },
    });
}
