using Billing.AppHost.Infrastructure;
using Billing.AppHost.Stripe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// Data stores: containers when an engine answers, local processes otherwise (same connection names);
// containers on persistent volumes when publishing a deployment.
var infrastructure = builder.AddBillingInfrastructure();

// Stripe: the real API with a stripe-secret-key parameter (always when publishing), otherwise the local emulator.
var stripe = builder.AddStripe(infrastructure.DataDirectory);

// Secrets the services share, generated on first run and kept in the AppHost's user secrets.
var operatorKey = builder.AddParameter("operator-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// Schema first: the database logins, migrations (as the owner) and the Stripe catalog sync run to completion before the
// services start, each of which connects as its own least-privileged login.
var migrations = builder.AddProject<Projects.Billing_MigrationService>("migrations")
    .WithDatabaseOwnership(infrastructure)
    .WithStripe(stripe);

var api = builder.AddProject<Projects.Billing_Api>("api")
    .WithInfrastructure(infrastructure, infrastructure.Logins.Api)
    .WithStripe(stripe)
    .WithEnvironment("Auth__OperatorKey", operatorKey)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health");
stripe.DeliverWebhooksTo(api);

builder.AddProject<Projects.Billing_Worker>("worker")
    .WithInfrastructure(infrastructure, infrastructure.Logins.Worker)
    .WithStripe(stripe)
    // Outside Development the Hangfire dashboard asks for the operator key.
    .WithEnvironment("Auth__OperatorKey", operatorKey)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health");

if (builder.ExecutionContext.IsPublishMode)
{
    // A container app is restarted whenever it exits: the migration service idles once it has succeeded.
    migrations.WithEnvironment("Migrations__KeepRunningWhenDone", "true");
    // The dashboard is a production build (vite build) that the API's publish output carries and serves, so Stripe
    // Checkout and the customer portal send tenants back to the API's own address.
    api.WithExternalHttpEndpoints()
        .WithEnvironment("Payments__DashboardUrl", api.GetEndpoint("https"));
}
else
{
    // The demo tenant's key behind the dashboard's one-click sign-in (Development only).
    var demoKey = builder.AddParameter("demo-api-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
    var demoApiKey = ReferenceExpression.Create($"bk_demo_{demoKey}");
    migrations.WithEnvironment("Seed__DemoApiKey", demoApiKey);

    // The tenant dashboard: Vite's dev server, proxying /api to the API it is given.
    var web = builder.AddExecutable("billing-web", "npm", Path.Combine(builder.AppHostDirectory, "..", "billing-web"), "run", "dev")
        .WithHttpEndpoint(env: "PORT")
        .WithReference(api)
        .WithEnvironment("VITE_DEMO_API_KEY", demoApiKey)
        .WaitFor(api);

    // Stripe Checkout and the customer portal send tenants back to the dashboard.
    api.WithEnvironment("Payments__DashboardUrl", web.GetEndpoint("http"));

    // Demo traffic for the demo tenant through the API's endpoints, so a newcomer's dashboard is alive within a minute.
    // LoadGen:Enabled=false (or LoadGen__Enabled=false) leaves the demo tenant quiet.
    if (builder.Environment.IsDevelopment() && builder.Configuration.GetValue("LoadGen:Enabled", true))
    {
        builder.AddProject<Projects.Billing_LoadGen>("loadgen")
            .WithReference(api)
            .WithEnvironment("LoadGen__ApiKey", demoApiKey)
            .WithEnvironment("LoadGen__RequestsPerSecond", builder.Configuration["LoadGen:RequestsPerSecond"] ?? "2")
            .WithEnvironment("LoadGen__EventsPerBatch", builder.Configuration["LoadGen:EventsPerBatch"] ?? "20")
            .WaitFor(api);
    }
}

builder.Build().Run();
