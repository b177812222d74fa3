using System.Text.Json.Nodes;

namespace Billing.StripeEmulator.Wire;

/// <summary>Writes a <see cref="StripeError"/> as Stripe does.</summary>
public static class ErrorWriter
{
    public static string Body(StripeError error)
    {
        var body = new JsonObject
        {
            ["code"] = error.Code,
            ["message"] = error.Message,
            ["param"] = error.Param,
            ["type"] = error.Type,
        };
        if (error.DeclineCode is not null)
        {
            body["decline_code"] = error.DeclineCode;
        }

        return new JsonObject { ["error"] = body }.ToJsonString(Json.Output);
    }

    public static async Task WriteAsync(HttpContext http, StripeError error)
    {
        http.Response.StatusCode = (int)error.Status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(Body(error));
    }
}
