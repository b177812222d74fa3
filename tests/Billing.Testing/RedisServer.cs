using System.Diagnostics;
using StackExchange.Redis;

namespace Billing.Testing;

/// <summary>A real Redis server for tests, run by the AppHost's <c>redis.sh</c>.</summary>
public sealed class RedisServer() : LocalServerProcess("redis")
{
    public string ConnectionString => $"127.0.0.1:{Port},password={Password},abortConnect=false";

    protected override ProcessStartInfo StartInfo() =>
        new("bash", [RepositoryPaths.LocalProcessScript("redis.sh"), Path.Combine(DataDirectory, "redis"), Port.ToString(System.Globalization.CultureInfo.InvariantCulture), PasswordFile]);

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString.Replace("abortConnect=false", "abortConnect=true") + ",connectTimeout=1000");
            await connection.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }
}
