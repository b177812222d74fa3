namespace Billing.Api.Gateway;

/// <summary>Endpoint metadata: which gateway an authorizer endpoint answers, and so how its denials must be shaped.</summary>
internal sealed class GatewayAnswer
{
    public static readonly GatewayAnswer Nginx = new(forNginx: true);
    public static readonly GatewayAnswer Envoy = new(forNginx: false);

    private GatewayAnswer(bool forNginx) => ForNginx = forNginx;

    /// <summary>nginx's <c>auth_request</c> takes 2xx, 401 and 403 only; any other status is a 500 to the client.</summary>
    public bool ForNginx { get; }
}
