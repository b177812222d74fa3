namespace Billing.StripeEmulator.State;

/// <summary>
/// Time as the emulator sees it: the global clock (wall clock plus a settable offset) for ordinary objects,
/// and a test clock's frozen time for customers attached to one.
/// </summary>
public sealed class EmulatorClock(TimeProvider wall)
{
    public long WallNow => wall.GetUtcNow().ToUnixTimeSeconds();

    public long WallNowMs => wall.GetUtcNow().ToUnixTimeMilliseconds();

    public long GlobalNow(EmulatorState state) => WallNow + state.ClockOffsetSeconds;

    public long NowFor(EmulatorState state, string? testClockId) =>
        testClockId is not null && state.TestClocks.TryGetValue(testClockId, out var clock) ? clock.FrozenTime : GlobalNow(state);

    public long NowForCustomer(EmulatorState state, string? customerId) =>
        NowFor(state, customerId is not null && state.Customers.TryGetValue(customerId, out var customer) ? customer.TestClock : null);
}
