using Billing.Domain.Catalog;
using Billing.Domain.Payments;

namespace Billing.Domain.Tests.Payments;

public sealed class CollectionMethodsTests
{
    [Theory]
    [InlineData("charge_automatically", CollectionMethod.ChargeAutomatically)]
    [InlineData("send_invoice", CollectionMethod.SendInvoice)]
    public void Wire_names_are_stripes(string key, CollectionMethod method)
    {
        Assert.True(CollectionMethods.TryParse(key, out var parsed));
        Assert.Equal(method, parsed);
        Assert.Equal(key, method.ToKey());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("SEND_INVOICE")]
    [InlineData("0")]
    public void Anything_else_is_not_a_collection_method(string? key) =>
        Assert.False(CollectionMethods.TryParse(key, out _));

    [Theory]
    [InlineData(PlanTier.Standard, false, CollectionMethod.ChargeAutomatically, true)]
    [InlineData(PlanTier.Enterprise, false, CollectionMethod.ChargeAutomatically, true)]
    [InlineData(PlanTier.Standard, true, CollectionMethod.ChargeAutomatically, false)]
    [InlineData(PlanTier.Standard, false, CollectionMethod.SendInvoice, false)]
    [InlineData(PlanTier.Free, false, CollectionMethod.ChargeAutomatically, false)]
    public void Only_starting_a_card_charged_paid_subscription_needs_a_payment_method(
        PlanTier target, bool hasLiveSubscription, CollectionMethod collection, bool needed) =>
        Assert.Equal(needed, CollectionMethods.NeedsPaymentMethod(target, hasLiveSubscription, collection));
}
