using System.Diagnostics;
using System.Text.Json;
using Billing.Api.Auth;
using Billing.Api.Problems;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Tenancy;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Api.Usage;

/// <summary>Usage events in (durable, deduplicated) and the current period's usage out.</summary>
public static class UsageEndpoints
{
    public const int MaxBodyBytes = (int)Http.RequestBodyLimits.UsageEvents;

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/usage").WithTags("Usage").RequireAuthorization(AuthPolicies.Tenant);
        group.MapPost("/events", IngestEvents).WithName("IngestUsageEvents").Accepts<JsonElement>("application/json").RequireScope(ApiScopes.Ingest);
        group.MapGet("/", GetUsage).WithName("GetUsage").RequireScope(ApiScopes.Read);
        group.MapGet("/history", GetHistory).WithName("GetUsageHistory").RequireScope(ApiScopes.Read);
        return app;
    }

    public static async Task<Results<Ok<IngestUsageResponse>, ValidationProblem, ProblemHttpResult>> IngestEvents(
        HttpRequest request,
        CurrentTenant caller,
        TenantBillingStore tenants,
        IngestionAdmission admission,
        UsageIngestionQueue ingestion,
        IngestionMetrics metrics,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        // Routing refuses other content types; a request that names none is refused here rather than read as JSON.
        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: ProblemTypes.UnsupportedMediaType,
                title: "Unsupported media type", detail: "Send the events as JSON, with Content-Type: application/json.");
        }

        UsageEventsParser.Parsed? parsed;
        try
        {
            parsed = request.ContentLength > MaxBodyBytes ? null : await ReadEventsAsync(request.BodyReader, cancellationToken);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.MalformedJson,
                title: "Malformed JSON", detail: e.Message);
        }

        if (parsed is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, type: ProblemTypes.PayloadTooLarge,
                title: "Request body too large", detail: $"A request may carry at most {MaxBodyBytes} bytes; split the events into several requests.");
        }

        var billing = await tenants.GetAsync(caller.RequiredTenantId, cancellationToken);
        if (billing is null)
        {
            return NoSubscription();
        }

        var now = clock.GetUtcNow();
        var errors = parsed.Errors;
        foreach (var (field, messages) in UsageEventRules.Validate(parsed.Events, now, billing.Anchor, billing.InvoicedThrough))
        {
            errors.TryAdd(field, messages);
        }

        if (errors.Count > 0)
        {
            metrics.RecordRejected(Math.Max(1, parsed.Events.Count));
            return TypedResults.ValidationProblem(errors, title: "Usage events rejected",
                detail: "No event of this request was stored: fix the listed events and send the request again.");
        }

        // One event of the request carries its trace parent: aggregation and submission continue the trace from it,
        // and a thousand copies of the same 55 characters would only slow the insert.
        var trace = Activity.Current?.Id;
        var events = parsed.Events.Select((e, i) =>
        {
            var occurredAt = e.Timestamp ?? now;
            return new NewUsageEvent(billing.TenantId, e.Id!, e.Metric!, e.Value!.Value, occurredAt,
                billing.PeriodAt(occurredAt).Start, e.PropertiesJson, i == 0 ? trace : null);
        }).ToList();

        switch (await admission.AdmitAsync(billing, events, cancellationToken))
        {
            case IngestionAdmission.OverBudget over:
                metrics.RecordRejected(events.Count);
                return IngestionProblems.OverBudget(request.HttpContext, over, events.Count);
            case IngestionAdmission.OverPeriodTotal over:
                metrics.RecordRejected(events.Count);
                return IngestionProblems.OverPeriodTotal(over.Metric, over.PeriodStart, over.Used, over.Adding);
        }

        try
        {
            var result = await ingestion.SubmitAsync(events, cancellationToken);
            return TypedResults.Ok(new IngestUsageResponse(result.Accepted, result.Duplicates, result.DuplicateIds));
        }
        catch (UsageEventsRefusedException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.EventsRefused,
                title: "Usage events refused by the store", detail: e.Message);
        }
        catch (UsageStoreUnavailableException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.StoreUnavailable,
                title: "Usage store unavailable", detail: e.Message);
        }
    }

    public static async Task<Results<Ok<UsageResponse>, ProblemHttpResult>> GetUsage(
        CurrentTenant caller,
        TenantBillingStore tenants,
        CurrentUsageReader reader,
        BillingCatalog catalog,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var billing = await tenants.GetAsync(caller.RequiredTenantId, cancellationToken);
        if (billing is null)
        {
            return NoSubscription();
        }

        var now = clock.GetUtcNow();
        var period = billing.PeriodAt(now);
        var usage = await reader.ReadAsync(billing.TenantId, period, cancellationToken);
        return TypedResults.Ok(UsageReport.Build(billing.Plan, catalog.Currency, period, usage, now));
    }

    public static async Task<Results<Ok<UsageHistoryResponse>, ProblemHttpResult>> GetHistory(
        CurrentTenant caller, TenantBillingStore tenants, Npgsql.NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        var billing = await tenants.GetAsync(caller.RequiredTenantId, cancellationToken);
        if (billing is null)
        {
            return NoSubscription();
        }

        var period = billing.PeriodAt(clock.GetUtcNow());
        var points = await UsageHistoryQuery.ReadAsync(dataSource, billing.TenantId, period.Start, period.End, cancellationToken);
        return TypedResults.Ok(new UsageHistoryResponse(period.Start, period.End,
            [.. points.Select(p => new UsageHistoryPoint(p.Metric.ToKey(), p.At, p.Cumulative))]));
    }

    private static ProblemHttpResult NoSubscription() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.NoSubscription,
            title: "No subscription", detail: "This tenant has no subscription; usage cannot be recorded or priced.");

    /// <summary>
    /// The events of the body, parsed straight from Kestrel's buffers (no copy per request, which at thousands of requests
    /// a second is garbage the collector pays for), or null when the body exceeds <see cref="MaxBodyBytes"/> (chunked bodies
    /// carry no length up front).
    /// </summary>
    private static async Task<UsageEventsParser.Parsed?> ReadEventsAsync(System.IO.Pipelines.PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length > MaxBodyBytes)
            {
                body.AdvanceTo(buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                try
                {
                    // The document reads Kestrel's buffer in place, so the events are taken out before it is released.
                    using var document = JsonDocument.Parse(buffer);
                    return UsageEventsParser.Parse(document.RootElement);
                }
                finally
                {
                    body.AdvanceTo(buffer.End);
                }
            }

            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
