using Billing.Infrastructure;
using Billing.Infrastructure.Stripe;
using Billing.MigrationService;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
if (builder.Configuration.GetValue<bool>(SchemaWaitWorker.SwitchName))
{
    // An init container beside the API or the worker, with that service's login: it only reads.
    builder.AddBillingDatabase();
    builder.Services.AddHostedService<SchemaWaitWorker>();
}
else
{
    // The owner's login: the only connection that may change the schema.
    builder.AddBillingDatabase(connectionName: InfrastructureRegistration.OwnerConnectionName);
    // No Redis: migrations, seeding and the catalog sync touch no cache, and the services start after this exits.
    builder.AddBillingStripeClient();
    builder.Services.Configure<SeedOptions>(builder.Configuration.GetSection(SeedOptions.SectionName));
    builder.Services.AddScoped<DemoTenantSeeder>();
    builder.Services.AddSingleton<LoginProvisioning>();
    builder.Services.AddHostedService<MigrationWorker>();
}

builder.Build().Run();
