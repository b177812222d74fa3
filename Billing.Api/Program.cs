using Billing.Api;
using Billing.Api.Alerts;
using Billing.Api.ApiKeys;
using Billing.Api.Audit;
using Billing.Api.Payments;
using Billing.Api.Entitlements;
using Billing.Api.Gateway;
using Billing.Api.Invoices;
using Billing.Api.Llm;
using Billing.Api.Subscriptions;
using Billing.Api.Webhooks;
using Billing.Api.Plans;
using Billing.Api.Reconciliation;
using Billing.Api.Tenants;
using Billing.Api.Usage;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApiServices();

var app = builder.Build();

app.UseApiPipeline();
app.MapDefaultEndpoints();
app.MapApiDocumentation();

app.MapPlansApi();
app.MapTenantsApi();
app.MapTenantOverridesApi();
app.MapTenantCollectionApi();
app.MapApiKeysApi();
app.MapUsageApi();
app.MapEntitlementsApi();
app.MapGatewayApi();
app.MapLlmApi();
app.MapSubscriptionApi();
app.MapBillingPortalApi();
app.MapInvoicesApi();
app.MapStripeWebhooks();
app.MapWebhookInboxApi();
app.MapAuditApi();
app.MapReconciliationApi();
app.MapDeadLettersApi();
app.MapAlertsApi();

app.Run();

/// <summary>Entry point, visible to the functional tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
