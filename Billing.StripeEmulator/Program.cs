using Billing.StripeEmulator;

await EmulatorApp.Build(args).RunAsync();
