using Billing.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Worker.Tests.Support;

/// <summary>
/// The worker's jobs composed as the worker composes them (<c>AddWorkerJobs</c>) on a test database, with no Redis
/// answering and no Stripe: for jobs that need neither. Not started, so options are checked when first read.
/// </summary>
public static class JobsHost
{
    public static IHost Build(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null, TimeProvider? clock = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = database.Worker,
            ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false",
        });
        builder.Configuration.AddInMemoryCollection(settings?.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)) ?? []);
        builder.AddWorkerJobs();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        return builder.Build();
    }
}
