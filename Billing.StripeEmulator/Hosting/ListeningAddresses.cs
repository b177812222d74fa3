using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Billing.StripeEmulator.Hosting;

/// <summary>The addresses the server listens on that other machines could reach (anything but loopback).</summary>
public sealed class ListeningAddresses(IServer server)
{
    private string[]? _beyondLoopback;

    /// <summary>Empty when the emulator listens on loopback only (or has no addresses: in process, in tests).</summary>
    public IReadOnlyList<string> BeyondLoopback
    {
        get
        {
            // Read once the server has bound its addresses; requests only arrive after that.
            if (_beyondLoopback is null && server.Features.Get<IServerAddressesFeature>()?.Addresses is { Count: > 0 } addresses)
            {
                _beyondLoopback = [.. addresses.Where(address => !IsLoopback(address))];
            }

            return _beyondLoopback ?? [];
        }
    }

    /// <summary><c>localhost</c> and loopback addresses are local; <c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>, names and other addresses are not.</summary>
    public static bool IsLoopback(string address)
    {
        var host = BindingAddress.Parse(address).Host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
