using Billing.LoadGen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddOptions<LoadGenOptions>()
    .Bind(builder.Configuration.GetSection(LoadGenOptions.Section))
    .PostConfigure(o => o.ApiAddress ??= LoadGenOptions.ReferencedApiAddress(builder.Configuration))
    .Validate(o => o.ApiKey.Length > 0, "LoadGen:ApiKey is required: a tenant key with the ingest scope.")
    .Validate(o => o.ApiAddress is not null, "LoadGen:ApiAddress is required when no API is referenced.")
    .Validate(o => o.RequestsPerSecond > 0 && o.Senders > 0 && o.EventsPerBatch is > 0 and <= 1000, "LoadGen's rate, senders and batch size must be positive (batches up to 1,000).")
    .ValidateOnStart();
builder.Services.AddHostedService<LoadGenService>();
builder.Build().Run();
