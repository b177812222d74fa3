using System.Net.Http.Json;
using System.Text.Json;
using Billing.Reliability.Tests.Load;
using Npgsql;
using Stripe;

namespace Billing.Reliability.Tests.Harness;

/// <summary>Tenants on the Standard plan with a card on file and a Stripe subscription, made through the API as an operator and a tenant make them.</summary>
public static class TenantSetup
{
    public static async Task<LoadTenant> CreatePaidTenantAsync(this ReliabilitySystem system, long? apiCallsHardCap, CancellationToken cancellationToken)
    {
        var api = system.Apis[0];
        using var operatorHttp = ReliabilitySystem.Client(api, ReliabilitySystem.OperatorKey);
        var tenant = await ReadAsync(await operatorHttp.PostAsJsonAsync("/api/v1/tenants", new { name = $"load-{Guid.NewGuid():N}", plan = "free" }, cancellationToken), cancellationToken);
        var id = tenant.GetProperty("id").GetGuid();
        var key = (await ReadAsync(await operatorHttp.PostAsJsonAsync($"/api/v1/tenants/{id}/api-keys", new { }, cancellationToken), cancellationToken))
            .GetProperty("key").GetString()!;

        // The customer the API would create on first need (same idempotency key and metadata), with a card on file as
        // Checkout or the portal leaves one.
        var customer = await system.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Name = tenant.GetProperty("name").GetString(),
            Metadata = new Dictionary<string, string> { ["tenant_id"] = id.ToString() },
        }, new RequestOptions { IdempotencyKey = $"billing-customer-{id:N}" }, cancellationToken);
        await using (var connection = await system.OpenAsync(cancellationToken))
        {
            await using var update = new NpgsqlCommand("UPDATE tenants SET stripe_customer_id = @c WHERE id = @t", connection);
            update.Parameters.AddWithValue("c", customer.Id);
            update.Parameters.AddWithValue("t", id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        var card = await system.Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: cancellationToken);
        await system.Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = card.Id },
        }, cancellationToken: cancellationToken);

        using var tenantHttp = ReliabilitySystem.Client(api, key);
        await ReadAsync(await tenantHttp.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan = "standard" }, cancellationToken), cancellationToken);
        if (apiCallsHardCap is { } cap)
        {
            await ReadAsync(await operatorHttp.PutAsJsonAsync($"/api/v1/tenants/{id}/overrides",
                new { quotas = new { api_calls = new { included = cap, cap = "hard" } } }, cancellationToken), cancellationToken);
        }

        await using (var connection = await system.OpenAsync(cancellationToken))
        {
            await using var anchor = new NpgsqlCommand("SELECT billing_anchor FROM subscriptions WHERE tenant_id = @t", connection);
            anchor.Parameters.AddWithValue("t", id);
            return new LoadTenant(id, key, customer.Id, (DateTime)(await anchor.ExecuteScalarAsync(cancellationToken))!, apiCallsHardCap);
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
            }

            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
