using Microsoft.Extensions.Configuration;

namespace Billing.LoadGen;

/// <summary>The <c>LoadGen</c> section: whose traffic, how fast, in what sizes.</summary>
public sealed class LoadGenOptions
{
    public const string Section = "LoadGen";

    /// <summary>The tenant key the traffic is sent with; it needs the <c>ingest</c> scope (the demo key has every scope).</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>The API's base address; when unset, the address the AppHost gives its reference to the API.</summary>
    public Uri? ApiAddress { get; set; }

    /// <summary>Requests a second across all senders: gentle by default, a demo rather than a load test.</summary>
    public double RequestsPerSecond { get; set; } = 2;

    /// <summary>Senders sharing the rate; more than one only when a request can take longer than the interval between two.</summary>
    public int Senders { get; set; } = 1;

    /// <summary>Events in each batch request (the API takes up to 1,000 a request).</summary>
    public int EventsPerBatch { get; set; } = 20;

    /// <summary>How many accepted event ids the report keeps; past it, only counts (a generator running for days stays bounded).</summary>
    public int MaxRecordedIds { get; set; } = 100_000;

    /// <summary>How often the service logs what was accepted so far.</summary>
    public TimeSpan LogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The API address the AppHost's <c>WithReference(api)</c> gives a service (http first: no certificate to trust locally).</summary>
    public static Uri? ReferencedApiAddress(IConfiguration configuration) =>
        (configuration["services:api:http:0"] ?? configuration["services:api:https:0"]) is { Length: > 0 } address ? new Uri(address) : null;
}
