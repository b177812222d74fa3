using Billing.StripeEmulator;

var app = EmulatorApp.Build(args);
await app.RunAsync();
