using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Billing.Testing;

/// <summary>
/// The service behind a gateway in the tests and the benchmark: a loopback Kestrel server that answers every request
/// with 200 and a small JSON body, and counts (and, when asked, keeps) the requests it received.
/// </summary>
public sealed class CountingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private int _count;

    private CountingUpstream(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = new("http://127.0.0.1");

    /// <summary>Requests received so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The requests received, in arrival order (kept only when started with <c>keep: true</c>).</summary>
    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public static async Task<CountingUpstream> StartAsync(bool keep = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new CountingUpstream(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref upstream._count);
            if (keep)
            {
                upstream._received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
                    context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"served":true}""");
        });
        await app.StartAsync();
        upstream.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <param name="Headers">By name, case-insensitively; repeated headers joined with commas.</param>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);
