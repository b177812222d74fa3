using Billing.Infrastructure.Redis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using StackExchange.Redis;

namespace Billing.Worker.Dashboard;

/// <summary>
/// The data-protection keys that seal the dashboard's sign-in cookie live in Redis, which every worker replica shares:
/// a cookie issued by one replica opens the dashboard on any other, and survives a restart. Kept on a pod's own
/// (read-only, or throw-away) file system they would differ per replica and vanish with it.
/// </summary>
public static class SharedKeyRing
{
    public static WebApplicationBuilder AddSharedKeyRing(this WebApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("billing-worker");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
            options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), RedisKeys.WorkerKeyRing));
        return builder;
    }
}
