using Billing.Infrastructure.Data;
using Billing.Infrastructure.Stripe;
using Billing.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Infrastructure.Tests.Stripe;

/// <summary>
/// A failed Stripe event's retry is scheduled by the worker's clock, so it comes due by that clock too, not by the
/// database's: with a clock ahead of the database's (a test clock), a retry due on it is taken.
/// </summary>
public sealed class WebhookProcessorClockTests(DataStoresFixture stores)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_retry_comes_due_by_the_workers_clock()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var clock = new ShiftedClock { Offset = TimeSpan.FromDays(10) };
        await using (var connection = new NpgsqlConnection(database.Superuser))
        {
            await connection.OpenAsync(Token);
            // Due in nine days by the database's clock, a day ago by the worker's.
            await using var seed = new NpgsqlCommand("""
                INSERT INTO webhook_events (stripe_event_id, type, api_version, stripe_created_at, received_at, payload, status, attempts, next_attempt_at)
                VALUES ('evt_clock', 'product.created', '2026-10-28.endive', now(), now(),
                        '{"id":"evt_clock","object":"event","type":"product.created","created":1,"data":{"object":{"id":"prod_1","object":"product"}}}'::jsonb,
                        'received', 1, now() + interval '9 days')
                """, connection);
            await seed.ExecuteNonQueryAsync(Token);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = database.Worker,
            ["ConnectionStrings:redis"] = stores.Redis.ConnectionString,
            ["Stripe:SecretKey"] = "sk_test_clock",
        });
        builder.AddBillingDatabase().AddBillingCache().AddBillingStripe();
        builder.Services.AddSingleton<TimeProvider>(clock);
        using var worker = builder.Build();

        await using var scope = worker.Services.CreateAsyncScope();
        var processed = await scope.ServiceProvider.GetRequiredService<WebhookProcessor>().ProcessNextAsync(Token);

        await using var read = new NpgsqlConnection(database.Superuser);
        await read.OpenAsync(Token);
        await using var status = new NpgsqlCommand("SELECT status FROM webhook_events WHERE stripe_event_id = 'evt_clock'", read);
        Assert.True(processed);
        Assert.Equal("ignored", (string)(await status.ExecuteScalarAsync(Token))!);
    }
}
