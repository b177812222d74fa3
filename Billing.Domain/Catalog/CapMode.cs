namespace Billing.Domain.Catalog;

/// <summary>Hard caps block past the included quantity plus grace; soft caps never block and bill the overage.</summary>
public enum CapMode
{
    Hard,
    Soft,
}
