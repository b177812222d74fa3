using Billing.Bench;

// dotnet run -c Release --project bench/Billing.Bench -- [events] [clients] [single-events] [enforcement-requests-per-round]
// dotnet run -c Release --project bench/Billing.Bench -- gateway [requests-per-round]     (nginx unprotected, with auth_request, with leases)
// dotnet run -c Release --project bench/Billing.Bench -- scale [stored 0,1000000,4000000] [in-period 10000,200000,1000000] [ingest-events 100000] [sustain-seconds 30] [sustain-requests-per-second 60]
if (args is ["scale", .. var scaleArgs])
{
    await using var scaleHost = new BenchmarkHost();
    await scaleHost.StartAsync();
    await ScaleBenchmark.RunAsync(scaleHost, ScaleBenchmark.Sizes.Parse(scaleArgs));
    return;
}

if (args is ["gateway", ..])
{
    await using var gatewayHost = new BenchmarkHost();
    await gatewayHost.StartAsync();
    Console.WriteLine($"Gateway benchmark on {Environment.ProcessorCount} cores, loopback only");
    await GatewayBenchmark.RunAsync(gatewayHost, clients: 32, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000, rounds: 3);
    return;
}

var events = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
var clients = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64;
var singleEvents = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60_000;
var enforcementRequests = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10_000;

Console.WriteLine($"Billing benchmark on {Environment.ProcessorCount} cores, loopback only");
await using var host = new BenchmarkHost();
await host.StartAsync();
await using var routes = await BenchRoutes.StartAsync(host);
await IngestionBenchmark.RunAsync(host, routes, events, clients, singleEvents, visibilitySamples: 200);
await EnforcementBenchmark.RunAsync(host, routes, clients: 32, enforcementRequests, rounds: 3);
await GatewayBenchmark.RunAsync(host, clients: 32, enforcementRequests, rounds: 3);
