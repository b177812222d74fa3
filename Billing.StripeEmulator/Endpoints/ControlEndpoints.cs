using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Hosting;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Endpoints;

/// <summary>
/// The control surface for tests and operators, under <c>/_emulator/</c>: reset, faults, webhook deliveries,
/// the global clock and failing payments. Plain JSON in and out (camelCase), not Stripe's wire format.
/// </summary>
public static class ControlEndpoints
{
    public sealed record ClockChange(long? Now, long? AdvanceSeconds);

    public sealed record PaymentFailure(bool Fail = true);

    /// <summary>Maps <c>/_emulator/*</c>.</summary>
    public static void MapControlSurface(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_emulator");
        group.MapPost("/reset", (EmulatorRuntime runtime, FaultRegistry faults) =>
        {
            faults.Clear();
            runtime.Reset();
            return Results.Ok(new { reset = true });
        });
        group.MapGet("/faults", (FaultRegistry faults) => Results.Ok(faults.List()));
        group.MapPost("/faults", (Fault fault, FaultRegistry faults) =>
        {
            if (fault.Count < 1 || string.IsNullOrEmpty(fault.Path) || fault.DelayMs < 0)
            {
                return Results.BadRequest(new { error = "path, count >= 1 and delayMs >= 0 are required." });
            }

            faults.Add(fault);
            return Results.Ok(faults.List());
        });
        group.MapDelete("/faults", (FaultRegistry faults) =>
        {
            faults.Clear();
            return Results.Ok(faults.List());
        });
        group.MapGet("/webhooks", (EmulatorRuntime runtime) => Results.Ok(runtime.Store.Read(state =>
            state.Deliveries.Values.OrderBy(d => d.Seq).Select(d => new
            {
                id = d.Id,
                @event = d.Event,
                type = d.EventType,
                endpoint = d.Endpoint,
                url = d.Url,
                delivered = d.Delivered,
                pending = d.NextAttemptAtMs is not null,
                attempts = d.Attempts.Select(a => new { at = a.At, status = a.Status, error = a.Error }).ToList(),
            }).ToList())));
        group.MapGet("/clock", (EmulatorRuntime runtime) => Results.Ok(ClockJson(runtime)));
        group.MapPost("/clock", (ClockChange change, EmulatorRuntime runtime) =>
        {
            runtime.Background(tx =>
            {
                var target = change.Now ?? tx.GlobalNow + (change.AdvanceSeconds ?? 0);
                tx.S.ClockOffsetSeconds = target - tx.Clock.WallNow;
                BillingEngine.CatchUp(tx);
                return true;
            });
            return Results.Ok(ClockJson(runtime));
        });
        group.MapPost("/customers/{id}/fail_payments", (string id, PaymentFailure body, EmulatorRuntime runtime) =>
            runtime.Store.Write(state =>
            {
                if (!state.Customers.TryGetValue(id, out var customer))
                {
                    return Results.NotFound(new { error = $"No such customer: '{id}'" });
                }

                customer.FailPayments = body.Fail;
                return Results.Ok(new { customer = id, failPayments = customer.FailPayments });
            }));
    }

    private static JsonObject ClockJson(EmulatorRuntime runtime) => runtime.Store.Read(state => new JsonObject
    {
        ["now"] = runtime.Clock.GlobalNow(state),
        ["offsetSeconds"] = state.ClockOffsetSeconds,
        ["testClocks"] = new JsonArray(state.TestClocks.Values.OrderBy(c => c.Seq)
            .Select(c => (JsonNode?)new JsonObject { ["id"] = c.Id, ["frozenTime"] = c.FrozenTime }).ToArray()),
    });
}
