using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Billing.Worker.Dashboard;

/// <summary><c>Authorization: Bearer &lt;operator key&gt;</c>, for scripts and proxies that reach the dashboard without a browser.</summary>
public sealed class OperatorBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(DashboardAuthentication.IsOperatorKey(configuration, header["Bearer ".Length..].Trim())
            ? AuthenticateResult.Success(new AuthenticationTicket(DashboardAuthentication.Operator(Scheme.Name, configuration), Scheme.Name))
            : AuthenticateResult.Fail("Not the operator key."));
    }
}
