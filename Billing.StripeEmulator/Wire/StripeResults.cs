using System.Text.Json.Nodes;

namespace Billing.StripeEmulator.Wire;

/// <summary>Successful answers: always 200, since the client treats every other status as an error.</summary>
public static class StripeResults
{
    public static IResult Ok(JsonNode body) => Results.Text(body.ToJsonString(Json.Output), "application/json", statusCode: 200);
}
