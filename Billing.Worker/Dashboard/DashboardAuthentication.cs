using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.RateLimiting;

namespace Billing.Worker.Dashboard;

/// <summary>
/// The operator's credentials for the Hangfire dashboard outside Development: a sign-in page that sets a cookie
/// (HttpOnly, SameSite=Strict, 8 hours), or the operator key as a bearer token. Behind a reverse proxy every request
/// looks local, so Hangfire's own local-requests-only rule protects nothing there.
/// </summary>
public static class DashboardAuthentication
{
    public const string Policy = "dashboard-operator";
    public const string SignInPath = "/sign-in";
    public const string SignOutPath = "/sign-out";
    public const string CookieName = "billing-dashboard";

    private const string Scheme = "dashboard";
    private const string BearerScheme = "dashboard-bearer";
    private const string RoleClaim = "billing:role";
    private const string KeyFingerprintClaim = "billing:operator-key";
    private const string OperatorKeySetting = "Auth:OperatorKey";
    private const string SignInLimiter = "dashboard-sign-in";

    /// <summary>Cookie and bearer schemes (the bearer wins when an <c>Authorization</c> header is sent), the policy and a sign-in rate limit.</summary>
    public static WebApplicationBuilder AddDashboardAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Operator", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? BearerScheme : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = SignInPath;
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                // A cookie is worth as much as the key it was signed in with: rotating the operator key signs everyone out.
                options.Events.OnValidatePrincipal = async context =>
                {
                    var configuration = context.HttpContext.RequestServices.GetRequiredService<IConfiguration>();
                    if (context.Principal?.FindFirst(KeyFingerprintClaim)?.Value is not { } fingerprint || fingerprint != KeyFingerprint(configuration))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            })
            .AddScheme<AuthenticationSchemeOptions, OperatorBearerHandler>(BearerScheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireClaim(RoleClaim, "operator"));
        // Guessing the key through the form costs ten tries a minute per address.
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SignInLimiter, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return builder;
    }

    /// <summary><c>GET|POST /sign-in</c> and <c>POST /sign-out</c>.</summary>
    public static WebApplication MapDashboardSignIn(this WebApplication app)
    {
        app.MapGet(SignInPath, (string? returnUrl, HttpContext http) => SignInPage.Render(http, SafeReturnUrl(returnUrl), failed: false));
        app.MapPost(SignInPath, SignInAsync).RequireRateLimiting(SignInLimiter);
        app.MapPost(SignOutPath, async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect(SignInPath);
        });
        return app;
    }

    internal static bool IsOperatorKey(IConfiguration configuration, string presented) =>
        configuration[OperatorKeySetting] is { Length: > 0 } operatorKey && ApiKeySecrets.SecretEquals(presented, operatorKey);

    internal static ClaimsPrincipal Operator(string scheme, IConfiguration configuration) =>
        new(new ClaimsIdentity([new Claim(RoleClaim, "operator"), new Claim(KeyFingerprintClaim, KeyFingerprint(configuration))], scheme));

    /// <summary>A short hash of the current operator key: tells a cookie from before a rotation, and reveals nothing usable.</summary>
    private static string KeyFingerprint(IConfiguration configuration) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(configuration[OperatorKeySetting] ?? "")))[..16];

    private static async Task<IResult> SignInAsync(HttpContext http, IConfiguration configuration)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        if (!IsOperatorKey(configuration, form["key"].ToString()))
        {
            return SignInPage.Render(http, returnUrl, failed: true);
        }

        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Operator(CookieAuthenticationDefaults.AuthenticationScheme, configuration));
        return Results.Redirect(returnUrl);
    }

    /// <summary>Only a path of the dashboard itself: a sign-in link must not send the operator anywhere else.</summary>
    private static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is not null && returnUrl.StartsWith("/hangfire", StringComparison.Ordinal) && !returnUrl.Contains("//", StringComparison.Ordinal)
            && !returnUrl.Contains('\\', StringComparison.Ordinal)
            ? returnUrl
            : "/hangfire";
}
