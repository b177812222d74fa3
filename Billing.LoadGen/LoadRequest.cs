namespace Billing.LoadGen;

public enum LoadRequestKind
{
    /// <summary><c>POST /api/v1/usage/events</c> with several events.</summary>
    Batch,

    /// <summary><c>POST /api/v1/usage/events</c> with one event.</summary>
    SingleEvent,

    /// <summary><c>POST /api/v1/llm/completions</c>, the metered example route (its usage event ids are the server's).</summary>
    Completion,

    /// <summary><c>POST /api/v1/entitlements/consume</c>, stored as the usage event <c>consume:&lt;key&gt;</c>.</summary>
    Consume,
}

/// <summary>One request of the demo traffic: where it goes, its JSON body, and the event ids it asks the API to store.</summary>
/// <param name="EventIds">The client's event ids (for a consumption, the id the API stores it under); none for a completion.</param>
public sealed record LoadRequest(LoadRequestKind Kind, string Path, string Body, IReadOnlyList<string> EventIds);
