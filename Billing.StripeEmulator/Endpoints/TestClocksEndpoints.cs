using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary>
/// <c>/v1/test_helpers/test_clocks</c>. Advancing closes every period that ends on the way, synchronously,
/// so the clock is already <c>ready</c> when the call returns.
/// </summary>
public static class TestClocksEndpoints
{
    private const long LifetimeSeconds = 30L * 24 * 3600;

    /// <summary>Maps the test clock endpoints.</summary>
    public static void MapTestClocks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/test_helpers/test_clocks");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var frozen = req.Form.Long("frozen_time") ?? throw StripeError.MissingParam("frozen_time");
            var clock = new TestClockRecord
            {
                Id = Ids.New("clock_"),
                Name = req.Form.Str("name"),
                FrozenTime = frozen,
                Created = tx.GlobalNow,
                DeletesAfter = tx.GlobalNow + LifetimeSeconds,
            };
            tx.S.Add(tx.S.TestClocks, clock);
            tx.Publish("test_helpers.test_clock.created", SubscriptionJson.TestClock(clock));
            return tx.Respond(SubscriptionJson.TestClock(clock), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(StripeList.Page(EmulatorState.NewestFirst(tx.S.TestClocks.Values), c => c.Id, c => SubscriptionJson.TestClock(c), req.Form, "/v1/test_helpers/test_clocks"), req.Expand)));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(SubscriptionJson.TestClock(Find(tx, id)), req.Expand)));

        group.MapDelete("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, _) =>
        {
            var clock = Find(tx, id);
            foreach (var customer in tx.S.Customers.Values.Where(c => c.TestClock == id))
            {
                customer.Deleted = true;
            }

            tx.S.TestClocks.Remove(id);
            tx.Publish("test_helpers.test_clock.deleted", SubscriptionJson.TestClock(clock));
            return StripeResults.Ok(CatalogJson.Deleted(id, "test_helpers.test_clock"));
        }));

        group.MapPost("/{id}/advance", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var clock = Find(tx, id);
            var target = req.Form.Long("frozen_time") ?? throw StripeError.MissingParam("frozen_time");
            if (target <= clock.FrozenTime)
            {
                throw StripeError.InvalidParam("frozen_time", "The frozen_time must be after the test clock's current frozen_time.");
            }

            clock.Status = "advancing";
            tx.Publish("test_helpers.test_clock.advancing", SubscriptionJson.TestClock(clock));
            clock.FrozenTime = target;
            BillingEngine.AdvanceClock(tx, id);
            clock.Status = "ready";
            tx.Publish("test_helpers.test_clock.ready", SubscriptionJson.TestClock(clock));
            return tx.Respond(SubscriptionJson.TestClock(clock), req.Expand);
        }));
    }

    public static TestClockRecord Find(Tx tx, string id, string param = "id") =>
        tx.S.TestClocks.GetValueOrDefault(id) ?? throw StripeError.NotFound("test_helpers.test_clock", id, param);
}
