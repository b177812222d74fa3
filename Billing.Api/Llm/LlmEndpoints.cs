using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Security;

namespace Billing.Api.Llm;

/// <summary>
/// The integration example: a metered route as an operator's own service would write it. Each call
/// counts one <c>api_calls</c> (reserved up front, exact) and the tokens the model reports
/// (<c>llm_tokens</c>, checked before and recorded after). The "model" is simulated.
/// </summary>
public static class LlmEndpoints
{
    public static IEndpointRouteBuilder MapLlmApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/llm").WithTags("LLM (metered example)")
            .RequireAuthorization(AuthPolicies.Tenant)
            .RequireScope(ApiScopes.Ingest)
            .RequireQuota(Metric.ApiCalls)
            .RequireQuota(Metric.LlmTokens, QuotaAmount.ReportedByHandler)
            .MapPost("/completions", Complete).WithName("CreateCompletion");
        return app;
    }

    public static CompletionResponse Complete(CompletionRequest request, HttpContext context)
    {
        // A stand-in model: echoes the prompt back, a token per word, within the requested maximum.
        var words = request.Prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var completion = words.Reverse().Take(request.MaxTokens ?? 256).ToArray();
        var usage = new CompletionUsage(words.Length, completion.Length, words.Length + completion.Length);
        context.ReportUsage(Metric.LlmTokens, usage.TotalTokens);
        return new CompletionResponse(string.Join(' ', completion), usage);
    }
}
