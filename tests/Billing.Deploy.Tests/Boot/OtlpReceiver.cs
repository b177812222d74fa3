using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Billing.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Billing.Deploy.Tests.Boot;

/// <summary>
/// Stands in for the OpenTelemetry Collector Service: an OTLP/gRPC endpoint (HTTP/2 without TLS) on a loopback port that
/// accepts every export and remembers which <c>service.name</c>s sent one.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<byte[]> _exports = new();
    private readonly WebApplication _app;

    private OtlpReceiver(int port)
    {
        Port = port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        _app = builder.Build();
        _app.MapPost("/{**method}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _exports.Enqueue(body.ToArray());
            // An empty export response: a gRPC frame of zero length, then status OK in the trailers.
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5]);
            context.Response.AppendTrailer("grpc-status", "0");
        });
    }

    public int Port { get; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver(LocalServerProcess.FreePort());
        await receiver._app.StartAsync();
        return receiver;
    }

    /// <summary>Whether an export carried the resource attribute <c>service.name</c> = <paramref name="serviceName"/> (its protobuf encoding).</summary>
    public bool Received(string serviceName)
    {
        var name = Encoding.UTF8.GetBytes(serviceName);
        byte[] attribute = [.. Encoding.UTF8.GetBytes("service.name"), 0x12, (byte)(name.Length + 2), 0x0A, (byte)name.Length, .. name];
        return _exports.Any(export => export.AsSpan().IndexOf(attribute) >= 0);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
