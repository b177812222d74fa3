using System.ComponentModel.DataAnnotations;

namespace Billing.Api.Llm;

public sealed record CompletionRequest(
    [property: Required, StringLength(20_000, MinimumLength = 1)] string Prompt,
    [property: Range(1, 4096)] int? MaxTokens);

public sealed record CompletionResponse(string Completion, CompletionUsage Usage);

public sealed record CompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);
