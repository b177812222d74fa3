using Microsoft.Extensions.Options;

namespace Billing.Api.Gateway;

/// <summary>The gateway authorizer's settings, route table and the one middleware its endpoints need.</summary>
public static class GatewayRegistration
{
    /// <summary>Binds <c>Gateway:*</c> and refuses to start when it is invalid (every problem listed).</summary>
    public static WebApplicationBuilder AddGatewayAuthorizer(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayRoutes.Validation>();
        builder.Services.AddSingleton<GatewayRoutes>();
        builder.Services.AddSingleton<Billing.Infrastructure.Quotas.GatewayLeases>();
        builder.Services.AddHostedService<GatewayLeaseSweeper>();
        return builder;
    }

    /// <summary>
    /// Before authentication, for the authorizer's endpoints only: the key taken from <c>Gateway:KeyHeader</c> when it
    /// is not <c>Authorization</c>, and nginx's answers shaped by <see cref="NginxAnswers"/> (so denials from
    /// authentication, scopes and rate limits are shaped too).
    /// </summary>
    public static WebApplication UseGatewayAnswers(this WebApplication app)
    {
        var keyHeader = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.KeyHeader;
        var keyElsewhere = !string.Equals(keyHeader, "Authorization", StringComparison.OrdinalIgnoreCase);
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GatewayAnswer>() is not { } answer)
            {
                return next(context);
            }

            if (keyElsewhere)
            {
                var key = context.Request.Headers[keyHeader].ToString();
                context.Request.Headers.Authorization = key.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? key : $"Bearer {key}";
            }

            return answer.ForNginx ? NginxAnswers.InvokeAsync(context, next) : next(context);
        });
        return app;
    }
}
