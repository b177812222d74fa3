using Billing.Infrastructure;
using Billing.Infrastructure.Stripe;
using Billing.MigrationService;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddBillingDatabase();
builder.AddBillingCache();
builder.AddBillingStripe();
builder.Services.Configure<SeedOptions>(builder.Configuration.GetSection(SeedOptions.SectionName));
builder.Services.AddScoped<DemoTenantSeeder>();
builder.Services.AddHostedService<MigrationWorker>();

builder.Build().Run();
