using System.Net;
using System.Net.Sockets;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// The HTTP handler of alert webhooks. Tenants choose the URL, so unless private networks are allowed a connection goes
/// only to public addresses, checked on the address actually connected to (a name re-resolving to 127.0.0.1 after the
/// URL was saved gains nothing). Redirects are not followed: a POST is not replayed to wherever a receiver points.
/// </summary>
public static class WebhookConnections
{
    public static SocketsHttpHandler CreateHandler(bool allowPrivateNetworks) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = allowPrivateNetworks ? null : ConnectToPublicAddressAsync,
    };

    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{host} has no public address; alert webhooks are delivered to public endpoints only.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// False for loopback, private, shared (CGNAT), link-local, unique-local, multicast and reserved ranges, and for the
    /// IPv6 prefixes that carry an IPv4 address to a gateway which unwraps it (NAT64 <c>64:ff9b::/96</c> and its
    /// local-use <c>64:ff9b:1::/48</c>, 6to4 <c>2002::/16</c>, Teredo <c>2001::/32</c>): through them a public-looking
    /// IPv6 address reaches whatever IPv4 address it embeds, 127.0.0.1 and 169.254.169.254 included.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && b[1] is >= 64 and < 128)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] is >= 16 and < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && b[1] is 18 or 19));
        }

        return !(address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6UniqueLocal || address.IsIPv6Multicast || address.IsIPv6Teredo || Is6To4(address) || IsNat64(address));
    }

    private static bool Is6To4(IPAddress address) => address.GetAddressBytes() is [0x20, 0x02, ..];

    private static bool IsNat64(IPAddress address) =>
        address.GetAddressBytes() is [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..] or [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01, ..];
}
