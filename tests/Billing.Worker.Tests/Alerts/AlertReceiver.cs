using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Worker.Tests.Alerts;

/// <summary>A tenant's alert endpoint on 127.0.0.1 (real Kestrel), answering each request with the next status of a script.</summary>
public sealed class AlertReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script;

    private AlertReceiver(WebApplication app, IEnumerable<int> script)
    {
        _app = app;
        _script = new ConcurrentQueue<int>(script);
    }

    public sealed record Request(string Method, string? ContentType, string? Signature, string Body);

    public ConcurrentQueue<Request> Requests { get; } = new();

    public string Url { get; private set; } = "";

    /// <summary>Runs once a request is recorded, before it is answered: a slow endpoint, or something happening meanwhile.</summary>
    public Func<Request, Task>? OnRequest { get; set; }

    /// <param name="statuses">The answers to the first requests, in order; 200 once they run out.</param>
    public static async Task<AlertReceiver> StartAsync(params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new AlertReceiver(app, statuses);
        app.MapPost("/alerts", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var received = new Request(request.Method, request.ContentType, request.Headers["Billing-Signature"], await reader.ReadToEndAsync());
            receiver.Requests.Enqueue(received);
            if (receiver.OnRequest is { } onRequest)
            {
                await onRequest(received);
            }

            return Results.StatusCode(receiver._script.TryDequeue(out var status) ? status : 200);
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/alerts";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
