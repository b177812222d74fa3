using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Billing.Api.Gateway;

/// <summary>
/// A response body held in memory and never started, so the status and headers can still change once the body is
/// written (a problem written by the authentication handler, the rate limiter or an endpoint).
/// </summary>
internal sealed class BufferedResponseBody(MemoryStream buffer) : IHttpResponseBodyFeature
{
    private PipeWriter? _writer;

    public Stream Stream => buffer;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(buffer, new StreamPipeWriterOptions(leaveOpen: true));

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(buffer, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }
    }
}
