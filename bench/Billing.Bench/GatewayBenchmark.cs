using Billing.Testing;

namespace Billing.Bench;

/// <summary>
/// Issue 18's overhead figures: Debian's nginx in front of a counting test service, the same run serving an unprotected
/// location (<c>/healthz</c>), a location behind <c>auth_request</c> to the billing API (deploy/gateway/nginx,
/// <c>/v1/…</c>, one <c>api_calls</c> a request) and the same location counted from leases in nginx
/// (deploy/gateway/nginx-lease), in alternating rounds at C concurrent clients: each metered variant's throughput ratio
/// and added p99 latency against the unprotected one.
/// </summary>
public static class GatewayBenchmark
{
    private const int WarmUpRequests = 3_000;
    private const string Plain = "/healthz";
    private const string Metered = "/v1/bench";

    /// <summary>
    /// Runs the comparison with the API in this process, sharing every core with nginx and the clients; then, when the
    /// machine allows it, again with the billing side (the API as its own process, PostgreSQL, Redis) on cores of its
    /// own (<see cref="CpuSplit"/>), as when the billing API runs on other machines than the gateway.
    /// </summary>
    public static async Task RunAsync(BenchmarkHost host, int clients, int requestsPerRound, int rounds)
    {
        var key = await host.CreateTenantKeyAsync("enterprise");
        await CompareAsync("billing API in the benchmark's process, all cores shared", host, host.ApiAddress, key, clients, requestsPerRound, rounds);
        if (!CpuSplit.Possible)
        {
            Console.WriteLine("  (one core, or no taskset: the split-core comparison is skipped)");
            return;
        }

        // This process and everything it started (the stores) on the gateway's core first, then the billing side moved off it.
        CpuSplit.Pin(Environment.ProcessId, CpuSplit.GatewayCores);
        foreach (var store in host.StoreProcessIds)
        {
            CpuSplit.Pin(store, CpuSplit.BillingCores);
        }

        await using var api = await ApiProcess.StartAsync(host, CpuSplit.BillingCores);
        await CompareAsync($"billing API, PostgreSQL and Redis on core(s) {CpuSplit.BillingCores}; clients, nginx and the service on core {CpuSplit.GatewayCores}",
            host, api.Address, key, clients, requestsPerRound, rounds);
    }

    private static async Task CompareAsync(string setup, BenchmarkHost host, Uri billingApi, string key, int clients, int requestsPerRound, int rounds)
    {
        await using var upstream = await CountingUpstream.StartAsync(keep: false);
        await using var nginx = new NginxServer([billingApi], upstream.Address);
        await using var leasing = new NginxServer([billingApi], upstream.Address, leases: true);
        await nginx.StartAsync();
        await leasing.StartAsync();
        using var http = host.Client(key, nginx.Address.ToString());
        using var leased = host.Client(key, leasing.Address.ToString());
        await SteadyState.WarmUpAsync(async () =>
        {
            await RoundAsync(http, Plain, clients, WarmUpRequests);
            await RoundAsync(http, Metered, clients, WarmUpRequests);
            await RoundAsync(leased, Metered, clients, WarmUpRequests);
        });

        var plain = new Latencies();
        var metered = new Latencies();
        var fromLeases = new Latencies();
        TimeSpan plainTime = TimeSpan.Zero, meteredTime = TimeSpan.Zero, leasedTime = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            plainTime += await RoundAsync(http, Plain, clients, requestsPerRound, plain);
            meteredTime += await RoundAsync(http, Metered, clients, requestsPerRound, metered);
            leasedTime += await RoundAsync(leased, Metered, clients, requestsPerRound, fromLeases);
        }

        var total = requestsPerRound * rounds;
        var plainRate = total / plainTime.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"gateway ({setup}): nginx in front of a test service, GET, {clients} clients, {rounds} alternating rounds of {requestsPerRound:N0} requests per variant");
        Console.WriteLine($"  unprotected location          : {plainRate,10:N0} req/s   p50 {plain.Percentile(50):F2} ms, p99 {plain.Percentile(99):F2} ms");
        Show("auth_request (per request)", total / meteredTime.TotalSeconds, metered);
        Show("leases counted in nginx (Lua)", total / leasedTime.TotalSeconds, fromLeases);
        Console.WriteLine($"  the service received {upstream.Count:N0} requests");

        void Show(string variant, double rate, Latencies latencies)
        {
            Console.WriteLine($"  {variant,-30}: {rate,10:N0} req/s   p50 {latencies.Percentile(50):F2} ms, p99 {latencies.Percentile(99):F2} ms");
            Console.WriteLine($"  {"",-30}  throughput ratio {rate / plainRate:F2} (goal >= 0.8), added p99 {latencies.Percentile(99) - plain.Percentile(99):F2} ms (goal <= 2 ms)");
        }
    }

    private static Task<TimeSpan> RoundAsync(HttpClient http, string path, int clients, int requests, Latencies? latencies = null) =>
        ClosedLoop.RunAsync(clients, requests, () => http.GetAsync(path), latencies);
}
