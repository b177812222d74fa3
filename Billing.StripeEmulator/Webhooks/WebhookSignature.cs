using System.Security.Cryptography;
using System.Text;

namespace Billing.StripeEmulator.Webhooks;

/// <summary>Stripe's <c>Stripe-Signature</c> header: <c>t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.payload")&gt;</c>.</summary>
public static class WebhookSignature
{
    public static string Header(string secret, string payload, long unixTime)
    {
        var signed = $"{unixTime}.{payload}";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signed));
        return $"t={unixTime},v1={Convert.ToHexStringLower(mac)}";
    }
}
