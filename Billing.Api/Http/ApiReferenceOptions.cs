namespace Billing.Api.Http;

/// <summary>Who may read the OpenAPI document and Scalar's reference outside Development (section <c>ApiReference</c>).</summary>
public sealed class ApiReferenceOptions
{
    public const string SectionName = "ApiReference";

    /// <summary>Outside Development: behind the operator key (the default), or not served at all. In Development both are open.</summary>
    public ApiReferenceAccess Access { get; set; } = ApiReferenceAccess.Operator;
}

public enum ApiReferenceAccess
{
    /// <summary>Served to requests carrying the operator key.</summary>
    Operator,

    /// <summary>Not served: 404.</summary>
    Off,
}
