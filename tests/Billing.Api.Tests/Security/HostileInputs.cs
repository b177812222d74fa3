using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Billing.Api.Tests.Security;

/// <summary>
/// The table of the abuse test: hostile requests generated per public endpoint and per kind of attack. Each builds a
/// fresh request for the hostile tenant's key (or none); every one of them must be refused with a 4xx problem.
/// </summary>
internal static class HostileInputs
{
    /// <param name="HostileKey">The key of the tenant sending them.</param>
    /// <param name="VictimId">Another tenant, whose resources the hostile one reaches for.</param>
    /// <param name="VictimInvoiceId">An invoice of the victim.</param>
    /// <param name="WebhookSecret">The API's Stripe webhook secret (forgeries are signed with anything else).</param>
    public sealed record Targets(string HostileKey, Guid VictimId, Guid VictimInvoiceId, string WebhookSecret);

    public sealed record Case(string Name, Func<Targets, HttpRequestMessage> Build);

    private const string Events = "/api/v1/usage/events";

    public static IReadOnlyList<Case> All() =>
    [
        .. EventIds(), .. EventMetrics(), .. EventValues(), .. EventTimestamps(), .. EventProperties(), .. Bodies(), .. ContentTypes(),
        .. Entitlements(), .. AlertSettings(), .. PlanChanges(), .. ApiKeyNames(), .. StripeSignatures(), .. AuthorizationHeaders(),
        .. OtherTenants(),
    ];

    private static Case Post(string name, string path, string json, string? contentType = "application/json", bool authenticated = true) =>
        new(name, t => Request(HttpMethod.Post, path, t, authenticated, new ByteArrayContent(Encoding.UTF8.GetBytes(json)), contentType));

    private static Case Put(string name, string path, string json) =>
        new(name, t => Request(HttpMethod.Put, path, t, true, new ByteArrayContent(Encoding.UTF8.GetBytes(json)), "application/json"));

    private static HttpRequestMessage Request(HttpMethod method, string path, Targets t, bool authenticated, HttpContent? content, string? contentType)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        content?.Headers.Remove("Content-Type");
        if (content is not null && contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t.HostileKey);
        }

        return request;
    }

    /// <summary>One event whose <paramref name="member"/> is the raw JSON <paramref name="json"/>, beside well-formed others.</summary>
    private static string EventWith(string member, string json)
    {
        var fields = new Dictionary<string, string>
        {
            ["id"] = "\"hostile-1\"",
            ["metric"] = "\"api_calls\"",
            ["value"] = "1",
            ["timestamp"] = JsonSerializer.Serialize(DateTimeOffset.UtcNow),
        };
        fields[member] = json;
        return "{\"events\":[{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}]}";
    }

    private static string Escaped(string text) => JsonSerializer.Serialize(text);

    private static IEnumerable<Case> EventIds()
    {
        // C0 and C1 controls, invisible format characters (bidirectional overrides, zero widths, the BOM) and unpaired
        // surrogates: an idempotency key that looks like another, or breaks a log line, is refused.
        foreach (var c in "\u0000\u0001\u0007\u0008\u000a\u000d\u001b\u007f\u0085\u009f\u200b\u200e\u202e\u2066\ufeff\u00ad")
        {
            yield return Post($"event id with U+{(int)c:X4}", Events, EventWith("id", $"\"ev\\u{(int)c:x4}id\""));
        }

        foreach (var surrogate in new[] { "\\ud800", "\\udfff", "\\udc00\\ud800", "a\\ud83d" })
        {
            yield return Post($"event id with unpaired surrogate {surrogate}", Events, EventWith("id", $"\"{surrogate}\""));
        }

        yield return Post("event id of 101 characters", Events, EventWith("id", Escaped(new string('i', 101))));
        yield return Post("event id of 100,000 characters", Events, EventWith("id", Escaped(new string('i', 100_000))));
        yield return Post("event id of 101 emoji", Events, EventWith("id", Escaped(string.Concat(Enumerable.Repeat("😀", 101)))));
        yield return Post("empty event id", Events, EventWith("id", "\"\""));
        yield return Post("blank event id", Events, EventWith("id", "\"   \""));
        yield return Post("event id a number", Events, EventWith("id", "42"));
        yield return Post("event id an object", Events, EventWith("id", "{\"$ne\":null}"));
        yield return Post("event id an array", Events, EventWith("id", "[\"a\",\"b\"]"));
    }

    private static IEnumerable<Case> EventMetrics()
    {
        foreach (var metric in new[]
        {
            "API_CALLS", "Api_Calls", "api_calls ", " api_calls", "api_calls\\u0000", "api_calls\\u200b", "ａｐｉ_calls", "apı_calls", "llm_tokenſ",
            "api-calls", "", "api_calls'; DROP TABLE usage_events;--", "../../etc/passwd", "{{metric}}", "%s%s%s%n",
        })
        {
            yield return Post($"metric \"{metric}\"", Events, EventWith("metric", $"\"{metric}\""));
        }

        yield return Post("metric of 10,000 characters", Events, EventWith("metric", Escaped(new string('m', 10_000))));
        yield return Post("metric a number", Events, EventWith("metric", "1"));
        yield return Post("metric an array", Events, EventWith("metric", "[\"api_calls\"]"));
        yield return Post("metric null", Events, EventWith("metric", "null"));
    }

    private static IEnumerable<Case> EventValues()
    {
        foreach (var value in new[]
        {
            "-1", "1000000000001", "1.5", "1e999999", "-1e999999", "1e-999999", "1E400", "9223372036854775808", "-9223372036854775809",
            "18446744073709551616", "0.0000001", "\"12\"", "true", "null", "[1]", "{}", "NaN", "Infinity", "-Infinity", "0x10", "01",
            "+1", "1e", "--1",
        })
        {
            yield return Post($"value {value}", Events, EventWith("value", value));
        }
    }

    private static IEnumerable<Case> EventTimestamps()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (name, json) in new[]
        {
            ("yesterday", "\"yesterday\""),
            ("month 13", "\"2026-13-01T00:00:00Z\""),
            ("year 1", "\"0001-01-01T00:00:00Z\""),
            ("year 9999", "\"9999-12-31T23:59:59Z\""),
            ("36 days old", Escaped(now.AddDays(-36).ToString("O", CultureInfo.InvariantCulture))),
            ("10 minutes ahead", Escaped(now.AddMinutes(10).ToString("O", CultureInfo.InvariantCulture))),
            ("a number", "1732528800"),
            ("empty", "\"\""),
            ("NUL", "\"\\u0000\""),
            ("offset +25:00", "\"2026-11-25T10:00:00+25:00\""),
            ("10,000 characters", Escaped(new string('9', 10_000))),
        })
        {
            yield return Post($"timestamp {name}", Events, EventWith("timestamp", json));
        }
    }

    private static IEnumerable<Case> EventProperties()
    {
        foreach (var (name, json) in new[]
        {
            ("a number past the double range", "{\"x\":1e999999}"),
            ("a number rounded to zero", "{\"x\":[1e-999999]}"),
            ("zero scaled past jsonb", "{\"x\":0e-99999}"),
            ("a 41-character number", "{\"x\":1." + new string('0', 38) + "1}"),
            ("six levels", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{}}}}}}"),
            ("4 KiB and one byte", "{\"p\":\"" + new string('p', 4089) + "\"}"),
            ("an array", "[1,2]"),
            ("a string", "\"props\""),
            ("NUL in a value", "{\"x\":\"\\u0000\"}"),
            ("NUL in a name", "{\"\\u0000\":1}"),
            ("an unpaired surrogate", "{\"x\":\"\\udbff\"}"),
        })
        {
            yield return Post($"properties {name}", Events, EventWith("properties", json));
        }
    }

    private static IEnumerable<Case> Bodies()
    {
        var deepArrays = new string('[', 100) + new string(']', 100);
        var deepObjects = string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70);
        foreach (var (name, json) in new[]
        {
            ("empty body", ""),
            ("JSON null", "null"),
            ("a JSON array", "[]"),
            ("an empty object", "{}"),
            ("events an object", "{\"events\":{}}"),
            ("events a string", "{\"events\":\"[]\"}"),
            ("no events", "{\"events\":[]}"),
            ("an event that is a number", "{\"events\":[1]}"),
            ("an empty event", "{\"events\":[{}]}"),
            ("1,001 events", "{\"events\":[" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $"{{\"id\":\"n{i}\",\"metric\":\"api_calls\",\"value\":1}}")) + "]}"),
            ("100 levels of arrays", "{\"events\":" + deepArrays + "}"),
            ("70 levels of objects", "{\"events\":[" + deepObjects + "]}"),
            ("truncated JSON", "{\"events\":[{\"id\":\"a\","),
            ("trailing garbage", "{\"events\":[]} <script>"),
            ("a comment", "{\"events\":[] /* hi */}"),
            ("single quotes", "{'events':[]}"),
            ("a trailing comma", "{\"events\":[{\"id\":\"a\",\"metric\":\"api_calls\",\"value\":1},]}"),
        })
        {
            yield return Post($"body: {name}", Events, json);
        }

        yield return new("body: invalid UTF-8 bytes", t => Request(HttpMethod.Post, Events, t, true,
            new ByteArrayContent([.. "{\"events\":[{\"id\":\""u8.ToArray(), 0xff, 0xfe, .. "\",\"metric\":\"api_calls\",\"value\":1}]}"u8.ToArray()]), "application/json"));
        yield return new("body: overlong UTF-8 encoding", t => Request(HttpMethod.Post, Events, t, true,
            new ByteArrayContent([.. "{\"events\":[{\"id\":\""u8.ToArray(), 0xc0, 0xaf, .. "\",\"metric\":\"api_calls\",\"value\":1}]}"u8.ToArray()]), "application/json"));
        yield return new("body: UTF-16", t => Request(HttpMethod.Post, Events, t, true,
            new ByteArrayContent(Encoding.Unicode.GetBytes(EventWith("id", "\"utf16\""))), "application/json"));
        yield return new("body: 1 MiB and one byte", t => Request(HttpMethod.Post, Events, t, true,
            new ByteArrayContent(Encoding.UTF8.GetBytes(EventWith("id", Escaped(new string('x', (1024 * 1024) + 1))))), "application/json"));
        yield return new("body: 2 MiB chunked", t => Request(HttpMethod.Post, Events, t, true,
            new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(EventWith("id", Escaped(new string('x', 2 * 1024 * 1024)))))), "application/json"));
    }

    private static IEnumerable<Case> ContentTypes()
    {
        var valid = EventWith("id", "\"content-type\"");
        foreach (var contentType in new[]
        {
            "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/png",
            "application/javascript", "text/html; charset=utf-8",
        })
        {
            yield return Post($"usage events as {contentType}", Events, valid, contentType);
            yield return Post($"entitlement check as {contentType}", "/api/v1/entitlements/check", "{\"metric\":\"api_calls\",\"amount\":1}", contentType);
        }

        yield return Post("usage events without a content type", Events, valid, contentType: null);
        yield return Post("alert settings as text/plain", "/api/v1/alerts/settings", "{\"webhookUrl\":null,\"spendLimitCents\":null}", "text/plain");
    }

    private static IEnumerable<Case> Entitlements()
    {
        foreach (var path in new[] { "/api/v1/entitlements/check", "/api/v1/entitlements/consume" })
        {
            var verb = path[(path.LastIndexOf('/') + 1)..];
            foreach (var metric in new[] { "API_CALLS", "api_calls\\u0000", "ａｐｉ_calls", "", "gpu_hours" })
            {
                yield return Post($"{verb} metric \"{metric}\"", path, $"{{\"metric\":\"{metric}\",\"amount\":1,\"idempotencyKey\":\"k1\"}}");
            }

            foreach (var amount in new[] { "-1", "1000000000001", "1e999999", "\"1\"", "1.5", "NaN", "9223372036854775808", "null" })
            {
                yield return Post($"{verb} amount {amount}", path, $"{{\"metric\":\"api_calls\",\"amount\":{amount},\"idempotencyKey\":\"k2\"}}");
            }

            yield return Post($"{verb} 70 levels deep", path, string.Concat(Enumerable.Repeat("{\"metric\":", 70)) + "1" + new string('}', 70));
            yield return Post($"{verb} a JSON array", path, "[]");
        }

        foreach (var key in new[] { new string('k', 93), "\\u0000", "k\\u0001", "k\\u202e", "\\ud800", "", "  " })
        {
            yield return Post($"consume idempotency key \"{key[..Math.Min(key.Length, 12)]}\"", "/api/v1/entitlements/consume",
                $"{{\"metric\":\"api_calls\",\"amount\":1,\"idempotencyKey\":\"{key}\"}}");
        }
    }

    private static IEnumerable<Case> AlertSettings()
    {
        foreach (var url in new[]
        {
            "javascript:alert(1)", "file:///etc/passwd", "ftp://example.com/hook", "gopher://example.com/", "http://127.0.0.1/hook",
            "https://localhost/hook", "https://169.254.169.254/latest/meta-data", "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:7f00:1::]/",
            "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "https://[::ffff:10.0.0.1]/", "https://2130706433/", "https://10.1.2.3/hook",
            "https://user:pass@example.com/hook", "https://example.com/\\u0000", "https://exa mple.com/", " https://example.com/", "hooks",
            "https://example.com/" + new string('a', 2000),
        })
        {
            yield return Put($"alert webhook {url[..Math.Min(url.Length, 40)]}", "/api/v1/alerts/settings", $"{{\"webhookUrl\":\"{url}\",\"spendLimitCents\":null}}");
        }

        foreach (var limit in new[] { "0", "-1", "10000000001", "1e999", "\"5\"", "9223372036854775808" })
        {
            yield return Put($"spend limit {limit}", "/api/v1/alerts/settings", $"{{\"webhookUrl\":null,\"spendLimitCents\":{limit}}}");
        }
    }

    private static IEnumerable<Case> PlanChanges()
    {
        foreach (var body in new[]
        {
            "{\"plan\":\"gold\"}", "{\"plan\":\"\"}", "{\"plan\":\"free\\u0000\"}", "{\"plan\":5}", "{\"plan\":\"standard\",\"timing\":\"yesterday\"}",
            "{\"plan\":\"" + new string('p', 10_000) + "\"}", "{}", "[]",
        })
        {
            yield return Post($"change plan {body[..Math.Min(body.Length, 40)]}", "/api/v1/subscription/change-plan", body);
        }
    }

    private static IEnumerable<Case> ApiKeyNames()
    {
        foreach (var body in new[] { "{\"name\":\"" + new string('n', 201) + "\"}", "{\"name\":5}", "{\"name\":[\"a\"]}", "[]", "{\"name\":\"\\ud800\"}" })
        {
            yield return Post($"api key {body[..Math.Min(body.Length, 30)]}", "/api/v1/api-keys", body);
        }
    }

    private static string Signature(string payload, string secret, long at) =>
        $"t={at},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{at}.{payload}")))}";

    private static IEnumerable<Case> StripeSignatures()
    {
        const string Path = "/api/v1/webhooks/stripe";
        static string Payload(string id) =>
            "{\"id\":\"evt_" + id + "\",\"object\":\"event\",\"api_version\":\"2026-10-28.endive\",\"created\":" + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
                + ",\"type\":\"invoice.paid\",\"data\":{\"object\":{\"id\":\"in_forged\",\"object\":\"invoice\"}}}";

        Case Webhook(string name, Func<Targets, string, string?> signature) => new(name, t =>
        {
            var payload = Payload(name.GetHashCode(StringComparison.Ordinal).ToString("x", CultureInfo.InvariantCulture));
            var request = Request(HttpMethod.Post, Path, t, authenticated: false, new StringContent(payload, Encoding.UTF8), "application/json");
            if (signature(t, payload) is { } header)
            {
                request.Headers.TryAddWithoutValidation("Stripe-Signature", header);
            }

            return request;
        });

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        yield return Webhook("webhook without a signature", (_, _) => null);
        yield return Webhook("webhook with an empty signature", (_, _) => "");
        yield return Webhook("webhook with empty parts", (_, _) => "t=,v1=");
        yield return Webhook("webhook with random bytes", (_, _) => $"t={now},v1={Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}");
        yield return Webhook("webhook signed with another secret", (_, p) => Signature(p, "whsec_guessed", now));
        yield return Webhook("webhook signed with an empty secret", (_, p) => Signature(p, "", now));
        yield return Webhook("webhook replayed 10 minutes later", (t, p) => Signature(p, t.WebhookSecret, now - 600));
        yield return Webhook("webhook replayed a day later", (t, p) => Signature(p, t.WebhookSecret, now - 86_400));
        yield return Webhook("webhook stamped 10 minutes ahead", (t, p) => Signature(p, t.WebhookSecret, now + 600));
        yield return Webhook("webhook signed for another payload", (t, _) => Signature(Payload("other"), t.WebhookSecret, now));
        yield return Webhook("webhook with only a v0 scheme", (t, p) => Signature(p, t.WebhookSecret, now).Replace("v1=", "v0=", StringComparison.Ordinal));
        yield return Webhook("webhook with a header injection", (_, _) => $"t={now},v1=00\r\nX-Forwarded-For: 127.0.0.1");
        yield return Webhook("webhook with a 10,000-character signature", (_, _) => $"t={now},v1={new string('a', 10_000)}");
        yield return Webhook("webhook with a uppercased signature", (t, p) => Signature(p, t.WebhookSecret, now).ToUpperInvariant());
    }

    private static IEnumerable<Case> AuthorizationHeaders()
    {
        Case WithAuthorization(string name, Func<Targets, string> header) => new(name, t =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/usage");
            request.Headers.TryAddWithoutValidation("Authorization", header(t));
            return request;
        });

        yield return WithAuthorization("key with a header injection", t => $"Bearer {t.HostileKey}\r\nX-Operator: true");
        yield return WithAuthorization("key followed by NUL", t => $"Bearer {t.HostileKey}\u0000");
        yield return WithAuthorization("key of 100,000 characters", _ => "Bearer bk_" + new string('k', 100_000));
        yield return WithAuthorization("basic credentials", _ => "Basic " + Convert.ToBase64String("operator:operator"u8));
        yield return WithAuthorization("a path for a key", _ => "Bearer bk_../../../etc/passwd");
        yield return WithAuthorization("an SQL injection for a key", _ => "Bearer bk_' OR '1'='1");
        yield return WithAuthorization("an empty bearer", _ => "Bearer ");
        yield return WithAuthorization("the key's prefix only", t => $"Bearer {t.HostileKey[..12]}");
        yield return WithAuthorization("the key with one character changed", t => $"Bearer {t.HostileKey[..^1]}{(t.HostileKey[^1] == 'a' ? 'b' : 'a')}");
        yield return WithAuthorization("unusual Unicode in a key", _ => "Bearer bk_\u202e\u200b\ud83d\ude00");
    }

    private static IEnumerable<Case> OtherTenants()
    {
        Case Get(string name, Func<Targets, string> path) => new(name, t => Request(HttpMethod.Get, path(t), t, true, null, null));

        yield return Get("another tenant's invoice", t => $"/api/v1/invoices/{t.VictimInvoiceId}");
        yield return Get("another tenant", t => $"/api/v1/tenants/{t.VictimId}");
        yield return Get("another tenant's overrides", t => $"/api/v1/tenants/{t.VictimId}/overrides");
        yield return Get("another tenant's keys", t => $"/api/v1/tenants/{t.VictimId}/api-keys");
        yield return Get("another tenant's dead letters", t => $"/api/v1/metering/dead-letters?tenantId={t.VictimId}");
        yield return Get("another tenant's submissions", t => $"/api/v1/metering/submissions?tenantId={t.VictimId}");
        yield return Get("the audit log", _ => "/api/v1/audit-log");
        yield return Get("an invoice that does not exist", _ => $"/api/v1/invoices/{Guid.NewGuid()}");
        yield return new("a key for another tenant", t => Request(HttpMethod.Post, $"/api/v1/tenants/{t.VictimId}/api-keys", t, true,
            new StringContent("{\"name\":\"mine now\"}", Encoding.UTF8), "application/json"));
        yield return new("overrides for another tenant", t => Request(HttpMethod.Put, $"/api/v1/tenants/{t.VictimId}/overrides", t, true,
            new StringContent("{\"basePriceCents\":0}", Encoding.UTF8), "application/json"));
        yield return new("a tenant for oneself", t => Request(HttpMethod.Post, "/api/v1/tenants", t, true,
            new StringContent("{\"name\":\"free lunch\",\"plan\":\"enterprise\"}", Encoding.UTF8), "application/json"));
    }
}
