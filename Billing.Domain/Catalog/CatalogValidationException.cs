namespace Billing.Domain.Catalog;

/// <summary>The catalog or a tenant override breaks the catalog rules; <see cref="Errors"/> lists every broken rule.</summary>
public sealed class CatalogValidationException : Exception
{
    public CatalogValidationException(IReadOnlyList<string> errors)
        : base("The billing catalog is invalid:" + string.Concat(errors.Select(e => Environment.NewLine + " - " + e)))
    {
        Errors = errors;
    }

    /// <summary>One entry per broken rule, each starting with the configuration path it concerns.</summary>
    public IReadOnlyList<string> Errors { get; }
}
