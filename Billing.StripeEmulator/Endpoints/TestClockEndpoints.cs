using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/test_helpers/test_clocks</c>: advancing a clock closes its customers' periods before answering.</summary>
public static class TestClockEndpoints
{
    /// <summary>Maps test clocks.</summary>
    public static void MapTestClocks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/test_helpers/test_clocks");
        group.MapStripePost("", (tx, call) =>
        {
            var frozen = call.Form.Long("frozen_time") ?? throw StripeError.MissingParam("frozen_time");
            var clock = tx.S.Add(tx.S.TestClocks, new TestClockRecord
            {
                Id = Ids.New("clock_"),
                Created = tx.GlobalNow,
                FrozenTime = frozen,
                Name = call.Form.Str("name"),
                DeletesAfter = tx.GlobalNow + 30 * 24 * 3600,
            });
            return SubscriptionJson.TestClock(clock);
        });
        group.MapStripeGet("", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.TestClocks.Values), c => c.Id, SubscriptionJson.TestClock, call.Form, "/v1/test_helpers/test_clocks"));
        group.MapStripeGet("/{id}", (tx, call) => SubscriptionJson.TestClock(tx.S.TestClocks.Find(call.Id, "test_clock")));
        group.MapStripeDelete("/{id}", (tx, call) =>
        {
            var clock = tx.S.TestClocks.Find(call.Id, "test_clock");
            foreach (var customer in tx.S.Customers.Values.Where(c => c.TestClock == clock.Id))
            {
                customer.Deleted = true;
            }

            tx.S.TestClocks.Remove(clock.Id);
            return CatalogJson.Deleted(clock.Id, "test_helpers.test_clock");
        });
        group.MapStripePost("/{id}/advance", Advance);
    }

    private static JsonNode Advance(Tx tx, StripeCall call)
    {
        var clock = tx.S.TestClocks.Find(call.Id, "test_clock");
        var target = call.Form.Long("frozen_time") ?? throw StripeError.MissingParam("frozen_time");
        if (target <= clock.FrozenTime)
        {
            throw StripeError.InvalidParam("frozen_time", "The test clock can only be advanced to a time after its current frozen_time.");
        }

        clock.FrozenTime = target;
        BillingEngine.CatchUp(tx);
        tx.Publish("test_helpers.test_clock.ready", SubscriptionJson.TestClock(clock), target);
        return SubscriptionJson.TestClock(clock);
    }
}
