using Billing.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

// Data stores: containers when an engine answers, local processes otherwise (same connection names).
var infrastructure = builder.AddBillingInfrastructure();

// Secrets the services share, generated on first run and kept in the AppHost's user secrets.
var operatorKey = builder.AddParameter("operator-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// Schema first: migrations run to completion before anything that needs the schema starts.
var migrations = builder.AddProject<Projects.Billing_MigrationService>("migrations")
    .WithInfrastructure(infrastructure);

var api = builder.AddProject<Projects.Billing_Api>("api")
    .WithInfrastructure(infrastructure)
    .WithEnvironment("Auth__OperatorKey", operatorKey)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Billing_Worker>("worker")
    .WithInfrastructure(infrastructure)
    .WaitForCompletion(migrations)
    .WithHttpHealthCheck("/health");

// The tenant dashboard: Vite's dev server, proxying /api to the API it is given.
builder.AddExecutable("billing-web", "npm", Path.Combine(builder.AppHostDirectory, "..", "billing-web"), "run", "dev")
    .WithHttpEndpoint(env: "PORT")
    .WithReference(api)
    .WaitFor(api);

builder.Build().Run();
