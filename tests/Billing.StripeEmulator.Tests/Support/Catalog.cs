using Stripe;
using Stripe.Billing;

namespace Billing.StripeEmulator.Tests.Support;

/// <summary>A plan as the project builds it: a licensed base price and a graduated metered price on one meter.</summary>
public sealed record Catalog(Meter Meter, Product Product, Price Base, Price Metered)
{
    public static readonly DateTime Jan1 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task<Catalog> CreateAsync(StripeClient stripe, long baseCents, string eventName = "api_calls")
    {
        var meter = await stripe.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
        {
            DisplayName = "API calls",
            EventName = eventName,
            DefaultAggregation = new MeterDefaultAggregationOptions { Formula = "sum" },
            CustomerMapping = new MeterCustomerMappingOptions { Type = "by_id", EventPayloadKey = "stripe_customer_id" },
            ValueSettings = new MeterValueSettingsOptions { EventPayloadKey = "value" },
        });
        var product = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Standard" });
        var basePrice = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            Currency = "usd",
            UnitAmount = baseCents,
            Recurring = new PriceRecurringOptions { Interval = "month" },
            LookupKey = $"standard_base_{baseCents}",
        });
        var metered = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            Currency = "usd",
            Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "metered", Meter = meter.Id },
            BillingScheme = "tiered",
            TiersMode = "graduated",
            Tiers =
            [
                new PriceTierOptions { UpTo = 1000, UnitAmountDecimal = 0m },
                new PriceTierOptions { UpTo = 10000, UnitAmountDecimal = 0.4m },
                new PriceTierOptions { UpTo = PriceTierUpTo.Inf, UnitAmountDecimal = 0.15m },
            ],
            LookupKey = $"standard_api_calls_{baseCents}",
        });
        return new Catalog(meter, product, basePrice, metered);
    }

    /// <summary>A customer on a new test clock, paying with <paramref name="paymentMethod"/> (a test token) as its default, or with nothing.</summary>
    public static async Task<(Stripe.TestHelpers.TestClock Clock, Customer Customer)> CustomerOnClockAsync(
        StripeClient stripe, DateTime frozenTime, string? paymentMethod = "pm_card_visa")
    {
        var clock = await stripe.V1.TestHelpers.TestClocks.CreateAsync(new Stripe.TestHelpers.TestClockCreateOptions { FrozenTime = frozenTime, Name = "month close" });
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "tenant@example.com",
            TestClock = clock.Id,
            Metadata = new Dictionary<string, string> { ["tenant"] = "t1" },
            PaymentMethod = paymentMethod,
            InvoiceSettings = paymentMethod is null ? null : new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = paymentMethod },
        });
        return (clock, customer);
    }

    public static Task<MeterEvent> SendUsageAsync(StripeClient stripe, string customer, string identifier, long value, DateTime at, string eventName = "api_calls") =>
        stripe.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
        {
            EventName = eventName,
            Identifier = identifier,
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Timestamp = at,
        });
}
