using Billing.Infrastructure.Metering;
using Billing.Testing;
using Billing.Worker.Jobs;
using Billing.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Billing.Worker.Tests.Jobs;

/// <summary>
/// Event ids deduplicate for <c>Usage:EventIdRetentionDays</c> after they were received, then the hourly job removes
/// them; the setting cannot be shorter than the time an event may still be sent with its timestamp.
/// </summary>
public sealed class ExpireEventIdsJobTests(DataStoresFixture stores)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static IHost Worker(TestDatabase database, TimeProvider clock, string? retentionDays = null) =>
        JobsHost.Build(database, retentionDays is null ? null : new Dictionary<string, string> { ["Usage:EventIdRetentionDays"] = retentionDays }, clock);

    [Fact]
    public async Task A_run_removes_the_ids_received_before_the_retention_and_keeps_the_others()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using (var connection = new NpgsqlConnection(database.Superuser))
        {
            await connection.OpenAsync(Token);
            await using var seed = new NpgsqlCommand("""
                INSERT INTO usage_event_ids (tenant_id, event_id, received_at)
                VALUES (gen_random_uuid(), 'expired', @now - interval '45 days 1 minute'), (gen_random_uuid(), 'kept', @now - interval '44 days 23 hours')
                """, connection);
            seed.Parameters.AddWithValue("now", clock.GetUtcNow());
            await seed.ExecuteNonQueryAsync(Token);
        }

        using var worker = Worker(database, clock);
        await using (var scope = worker.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ExpireEventIdsJob>().RunAsync(Token);
        }

        await using var check = new NpgsqlConnection(database.Superuser);
        await check.OpenAsync(Token);
        await using var left = new NpgsqlCommand("SELECT array_agg(event_id) FROM usage_event_ids", check);
        Assert.Equal(["kept"], (string[])(await left.ExecuteScalarAsync(Token))!);
    }

    [Theory]
    [InlineData("35")]
    [InlineData("0")]
    public async Task A_retention_shorter_than_an_event_may_be_sent_late_is_refused_at_start(string days)
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        using var worker = Worker(database, TimeProvider.System, days);

        var refused = Assert.Throws<OptionsValidationException>(() => worker.Services.GetRequiredService<IOptions<EventIdRetentionOptions>>().Value);

        Assert.Contains("Usage:EventIdRetentionDays must be at least 36", refused.Message);
    }
}
