using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What a service needs behind a TLS-terminating proxy or ingress (section <c>ForwardedHeaders</c>): the client's
/// address and scheme from <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> of trusted proxies only, HSTS outside
/// Development (sent on https requests only), and <c>X-Content-Type-Options: nosniff</c> on every response.
/// </summary>
public static class HttpSecurity
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>The <c>ForwardedHeaders</c> section.</summary>
    public sealed class ForwardedHeadersSettings
    {
        /// <summary>Off by default: a service reached directly must not believe a client's <c>X-Forwarded-For</c>.</summary>
        public bool Enabled { get; set; }

        /// <summary>Addresses of the proxies whose headers are believed (loopback always is).</summary>
        public string[] KnownProxies { get; set; } = [];

        /// <summary>Networks of the proxies whose headers are believed, in CIDR notation (<c>10.0.0.0/8</c>).</summary>
        public string[] KnownNetworks { get; set; } = [];

        /// <summary>How many proxies' entries are taken from the end of <c>X-Forwarded-For</c>.</summary>
        public int ForwardLimit { get; set; } = 1;

        /// <summary>HSTS <c>max-age</c>, in days.</summary>
        public int HstsMaxAgeDays { get; set; } = 365;
    }

    /// <summary>Configures forwarded headers from the <c>ForwardedHeaders</c> section, and HSTS.</summary>
    public static TBuilder AddHttpSecurity<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var settings = Settings(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = settings.ForwardLimit;
            foreach (var proxy in settings.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.Services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(settings.HstsMaxAgeDays));
        return builder;
    }

    /// <summary>First in the pipeline: forwarded headers (when enabled), HSTS outside Development, <c>nosniff</c>.</summary>
    public static WebApplication UseHttpSecurity(this WebApplication app)
    {
        if (Settings(app.Configuration).Enabled)
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.Use((context, next) =>
        {
            // Browsers must not guess a type other than the one sent (a JSON body run as a script, say).
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        });
        return app;
    }

    private static ForwardedHeadersSettings Settings(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();
}
