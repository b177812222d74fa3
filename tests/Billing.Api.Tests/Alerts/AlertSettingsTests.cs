using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Alerts;

/// <summary><c>/api/v1/alerts/settings</c>: where alerts go, the spend limit, and the signing secret shown once.</summary>
public sealed class AlertSettingsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Url = "https://hooks.example.com/billing?token=abc";

    private sealed record Stored(string? Url, string? Secret, long? SpendLimitCents);

    private async Task<Stored> StoredAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        return await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => new Stored(t.AlertWebhookUrl, t.AlertWebhookSecret, t.SpendLimitCents)).SingleAsync(TestContext.Current.CancellationToken);
    }

    private async Task<List<string>> AuditAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        var entries = await db.AuditLog.AsNoTracking().Where(a => a.TenantId == tenantId && a.Action.StartsWith("alert_settings."))
            .OrderBy(a => a.Id).Select(a => new { a.Action, a.Details }).ToListAsync(TestContext.Current.CancellationToken);
        return [.. entries.Select(e => $"{e.Action} {e.Details}")];
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient http, string json) =>
        http.PutAsync("/api/v1/alerts/settings", new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Settings_round_trip_and_the_secret_is_shown_only_when_created()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var initial = await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts/settings", TestContext.Current.CancellationToken);
        var put = await PutAsync(http, $$"""{ "webhookUrl": "{{Url}}", "spendLimitCents": 50000 }""");
        var created = await BodyAsync(put);
        var read = await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts/settings", TestContext.Current.CancellationToken);
        var moved = await BodyAsync(await PutAsync(http, """{ "webhookUrl": "http://other.example.com/hook", "spendLimitCents": null }"""));

        Assert.Equal(JsonValueKind.Null, initial.GetProperty("webhookUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("spendLimitCents").ValueKind);
        Assert.False(initial.GetProperty("secretConfigured").GetBoolean());
        Assert.Equal("usd", initial.GetProperty("currency").GetString());

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("bas_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40);
        Assert.Equal(Url, created.GetProperty("webhookUrl").GetString());
        Assert.Equal(50_000, created.GetProperty("spendLimitCents").GetInt64());
        Assert.Equal(secret[..12], created.GetProperty("secretPrefix").GetString());

        Assert.Equal(Url, read.GetProperty("webhookUrl").GetString());
        Assert.Equal(50_000, read.GetProperty("spendLimitCents").GetInt64());
        Assert.True(read.GetProperty("secretConfigured").GetBoolean());
        Assert.Equal(secret[..12], read.GetProperty("secretPrefix").GetString());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("secret").ValueKind);

        // A new URL keeps the secret the tenant already has, and does not show it again.
        Assert.Equal(JsonValueKind.Null, moved.GetProperty("secret").ValueKind);
        Assert.Equal(JsonValueKind.Null, moved.GetProperty("spendLimitCents").ValueKind);
        Assert.Equal(new Stored("http://other.example.com/hook", secret, null), await StoredAsync(tenantId));

        var audit = await AuditAsync(tenantId);
        Assert.Equal(2, audit.Count);
        Assert.Contains("hooks.example.com", audit[0], StringComparison.Ordinal);
        Assert.All(audit, entry => Assert.DoesNotContain(secret[12..], entry, StringComparison.Ordinal));
        Assert.All(audit, entry => Assert.DoesNotContain("token=abc", entry, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> InvalidSettings => new()
    {
        { """{ "webhookUrl": "/relative/hook" }""", "webhookUrl" },
        { """{ "webhookUrl": "ftp://files.example.com/hook" }""", "webhookUrl" },
        { """{ "webhookUrl": "not a url" }""", "webhookUrl" },
        { """{ "webhookUrl": "" }""", "webhookUrl" },
        { """{ "webhookUrl": " https://hooks.example.com/" }""", "webhookUrl" },
        { """{ "webhookUrl": "https://user:secret@hooks.example.com/" }""", "webhookUrl" },
        { $$"""{ "webhookUrl": "https://hooks.example.com/{{new string('a', 1980)}}" }""", "webhookUrl" },
        { """{ "webhookUrl": "https://hooks.example.com/", "spendLimitCents": 0 }""", "spendLimitCents" },
        { """{ "webhookUrl": "https://hooks.example.com/", "spendLimitCents": -500 }""", "spendLimitCents" },
        { """{ "webhookUrl": "https://hooks.example.com/", "spendLimitCents": 10000000001 }""", "spendLimitCents" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task Invalid_settings_are_refused_with_the_field_named_and_nothing_changes(string json, string field)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        (await PutAsync(http, $$"""{ "webhookUrl": "{{Url}}", "spendLimitCents": 50000 }""")).EnsureSuccessStatusCode();
        var before = await StoredAsync(tenantId);
        var auditBefore = await AuditAsync(tenantId);

        var response = await PutAsync(http, json);
        var problem = await BodyAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.False(string.IsNullOrWhiteSpace(errors.GetProperty(field)[0].GetString()));
        Assert.Equal(before, await StoredAsync(tenantId));
        Assert.Equal(auditBefore, await AuditAsync(tenantId));
    }

    [Fact]
    public async Task Both_fields_are_reported_at_once()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var problem = await BodyAsync(await PutAsync(http, """{ "webhookUrl": "mailto:ops@example.com", "spendLimitCents": 0 }"""));

        Assert.Equal(["spendLimitCents", "webhookUrl"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
    }

    [Fact]
    public async Task Rotating_replaces_the_secret_and_shows_the_new_one_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var first = (await BodyAsync(await PutAsync(http, $$"""{ "webhookUrl": "{{Url}}" }"""))).GetProperty("secret").GetString()!;

        var response = await http.PostAsync("/api/v1/alerts/settings/rotate-secret", null, TestContext.Current.CancellationToken);
        var rotated = await BodyAsync(response);
        var read = await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts/settings", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = rotated.GetProperty("secret").GetString()!;
        Assert.StartsWith("bas_", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.Equal(second[..12], rotated.GetProperty("secretPrefix").GetString());
        Assert.Equal(second[..12], read.GetProperty("secretPrefix").GetString());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("secret").ValueKind);
        Assert.Equal(new Stored(Url, second, null), await StoredAsync(tenantId));
        var audit = await AuditAsync(tenantId);
        Assert.StartsWith("alert_settings.secret_rotated", audit[^1], StringComparison.Ordinal);
        Assert.All(audit, entry => Assert.DoesNotContain(second[12..], entry, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_url_there_is_no_secret_to_rotate_and_a_new_url_gets_a_new_secret()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var first = (await BodyAsync(await PutAsync(http, $$"""{ "webhookUrl": "{{Url}}" }"""))).GetProperty("secret").GetString()!;

        var removed = await BodyAsync(await PutAsync(http, """{ "webhookUrl": null, "spendLimitCents": 20000 }"""));
        var storedWithoutUrl = await StoredAsync(tenantId);
        var rotate = await http.PostAsync("/api/v1/alerts/settings/rotate-secret", null, TestContext.Current.CancellationToken);
        var problem = await BodyAsync(rotate);
        var again = await BodyAsync(await PutAsync(http, $$"""{ "webhookUrl": "{{Url}}" }"""));

        Assert.False(removed.GetProperty("secretConfigured").GetBoolean());
        Assert.Equal(new Stored(null, null, 20_000), storedWithoutUrl);
        Assert.Equal(HttpStatusCode.Conflict, rotate.StatusCode);
        Assert.EndsWith("/no-alert-webhook", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        var second = again.GetProperty("secret").GetString()!;
        Assert.NotEqual(first, second);
        Assert.Equal(second, (await StoredAsync(tenantId)).Secret);
    }

    [Fact]
    public async Task Settings_need_a_tenant_key()
    {
        using var anonymous = api.CreateClient(bearer: null);
        using var operatorClient = api.CreateOperatorClient();

        var noKey = await anonymous.GetAsync("/api/v1/alerts/settings", TestContext.Current.CancellationToken);
        var asOperator = await PutAsync(operatorClient, $$"""{ "webhookUrl": "{{Url}}" }""");

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode);
    }
}
