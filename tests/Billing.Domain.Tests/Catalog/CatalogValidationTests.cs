using Billing.Domain.Catalog;

namespace Billing.Domain.Tests.Catalog;

public sealed class CatalogValidationTests
{
    private static readonly Dictionary<string, (Action<CatalogOptions> Break, string Error)> Rules = new()
    {
        ["currency in capitals"] = (o => o.Currency = "USD",
            "Currency: must be three lowercase letters (ISO 4217, e.g. \"usd\"), was \"USD\"."),
        ["currency too short"] = (o => o.Currency = "us",
            "Currency: must be three lowercase letters (ISO 4217, e.g. \"usd\"), was \"us\"."),
        ["currency missing"] = (o => o.Currency = "",
            "Currency: must be three lowercase letters (ISO 4217, e.g. \"usd\"), was \"\"."),
        ["plan missing"] = (o => o.Plans.Remove("enterprise"),
            "Plans:enterprise: is missing."),
        ["plan unknown"] = (o => o.Plans["gold"] = o.Plans["free"],
            "Plans:gold: unknown plan; expected one of free, standard, enterprise."),
        ["plan twice in different case"] = (o => o.Plans["Free"] = o.Plans["free"],
            "Plans:Free: duplicates plan \"free\"."),
        ["plan without settings"] = (o => o.Plans["free"] = null!,
            "Plans:free: has no settings."),
        ["plan without name"] = (o => o.Plans["free"].Name = " ",
            "Plans:free:Name: is required."),
        ["negative base price"] = (o => o.Plans["standard"].BasePriceCents = -9_900,
            "Plans:standard:BasePriceCents: must not be negative, was -9900."),
        ["negative payment grace"] = (o => o.Plans["enterprise"].PaymentGraceDays = -1,
            "Plans:enterprise:PaymentGraceDays: must not be negative, was -1."),
        ["metric missing"] = (o => o.Plans["standard"].Quotas.Remove("storage_mb"),
            "Plans:standard:Quotas:storage_mb: is missing."),
        ["metric unknown"] = (o => o.Plans["free"].Quotas["gpu_hours"] = o.Plans["free"].Quotas["api_calls"],
            "Plans:free:Quotas:gpu_hours: unknown metric; expected one of llm_tokens, api_calls, agent_executions, storage_mb, user_seats."),
        ["metric twice in different case"] = (o => o.Plans["free"].Quotas["LLM_TOKENS"] = o.Plans["free"].Quotas["llm_tokens"],
            "Plans:free:Quotas:LLM_TOKENS: duplicates metric \"llm_tokens\"."),
        ["metric without settings"] = (o => o.Plans["free"].Quotas["api_calls"] = null!,
            "Plans:free:Quotas:api_calls: has no settings."),
        ["negative included"] = (o => o.Plans["free"].Quotas["api_calls"].Included = -1,
            "Plans:free:Quotas:api_calls:Included: must not be negative, was -1."),
        ["unknown cap"] = (o => o.Plans["free"].Quotas["user_seats"].Cap = "capped",
            "Plans:free:Quotas:user_seats:Cap: must be \"hard\" or \"soft\", was \"capped\"."),
        ["cap missing"] = (o => o.Plans["free"].Quotas["user_seats"].Cap = "",
            "Plans:free:Quotas:user_seats:Cap: must be \"hard\" or \"soft\", was \"\"."),
        ["grace above 100"] = (o => o.Plans["standard"].Quotas["user_seats"].GracePercent = 100.5m,
            "Plans:standard:Quotas:user_seats:GracePercent: must be between 0 and 100, was 100.5."),
        ["negative grace"] = (o => o.Plans["standard"].Quotas["user_seats"].GracePercent = -5,
            "Plans:standard:Quotas:user_seats:GracePercent: must be between 0 and 100, was -5."),
        ["soft cap without price"] = (o => StripPrice(o.Plans["standard"].Quotas["llm_tokens"]),
            "Plans:standard:Quotas:llm_tokens: a soft cap needs an overage price (OverageAmountCents and OveragePerUnits)."),
        ["zero units per price"] = (o => o.Plans["standard"].Quotas["storage_mb"].OveragePerUnits = 0,
            "Plans:standard:Quotas:storage_mb:OveragePerUnits: must be positive, was 0."),
        ["negative units per price"] = (o => o.Plans["standard"].Quotas["storage_mb"].OveragePerUnits = -1_024,
            "Plans:standard:Quotas:storage_mb:OveragePerUnits: must be positive, was -1024."),
        ["negative overage price"] = (o => o.Plans["enterprise"].Quotas["api_calls"].OverageAmountCents = -50,
            "Plans:enterprise:Quotas:api_calls:OverageAmountCents: must not be negative, was -50."),
        ["price without units"] = (o => o.Plans["enterprise"].Quotas["api_calls"].OveragePerUnits = null,
            "Plans:enterprise:Quotas:api_calls:OveragePerUnits: is required when OverageAmountCents is set."),
        ["units without price"] = (o => o.Plans["free"].Quotas["api_calls"].OveragePerUnits = 10_000,
            "Plans:free:Quotas:api_calls:OverageAmountCents: is required when OveragePerUnits is set."),
    };

    public static TheoryData<string> RuleNames => new(Rules.Keys);

    [Fact]
    public void The_shipped_catalog_is_valid() =>
        Assert.Equal(PlanTiers.All.Order(), BillingCatalog.Create(ShippedCatalog.Options()).Plans.Keys.Order());

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Each_broken_rule_is_reported_by_name_and_path(string rule)
    {
        var (breakRule, error) = Rules[rule];
        var options = ShippedCatalog.Options();
        breakRule(options);

        var exception = Assert.Throws<CatalogValidationException>(() => BillingCatalog.Create(options));

        Assert.Equal([error], exception.Errors);
        Assert.Contains(error, exception.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = ShippedCatalog.Options();
        options.Currency = "EUR";
        options.Plans.Remove("free");
        options.Plans["standard"].Quotas["user_seats"].GracePercent = 120;
        StripPrice(options.Plans["enterprise"].Quotas["user_seats"]);
        options.Plans["enterprise"].Quotas["storage_mb"].Included = -1;

        var exception = Assert.Throws<CatalogValidationException>(() => BillingCatalog.Create(options));

        Assert.Equal(
            [
                "Currency: must be three lowercase letters (ISO 4217, e.g. \"usd\"), was \"EUR\".",
                "Plans:standard:Quotas:user_seats:GracePercent: must be between 0 and 100, was 120.",
                "Plans:enterprise:Quotas:storage_mb:Included: must not be negative, was -1.",
                "Plans:enterprise:Quotas:user_seats: a soft cap needs an overage price (OverageAmountCents and OveragePerUnits).",
                "Plans:free: is missing.",
            ],
            exception.Errors);
    }

    [Fact]
    public void An_empty_configuration_reports_the_currency_and_every_plan()
    {
        var exception = Assert.Throws<CatalogValidationException>(() => BillingCatalog.Create(new CatalogOptions()));

        Assert.Equal(
            [
                "Currency: must be three lowercase letters (ISO 4217, e.g. \"usd\"), was \"\".",
                "Plans:free: is missing.",
                "Plans:standard: is missing.",
                "Plans:enterprise: is missing.",
            ],
            exception.Errors);
    }

    [Theory]
    [InlineData("FREE", "LLM_TOKENS", "HARD")]
    [InlineData("Free", "Llm_Tokens", "Hard")]
    [InlineData("free", "llm_tokens", "hard")]
    public void Plan_metric_and_cap_keys_match_ignoring_case(string planKey, string metricKey, string cap)
    {
        var options = ShippedCatalog.Options();
        var free = options.Plans["free"];
        options.Plans.Remove("free");
        options.Plans[planKey] = free;
        var tokens = free.Quotas["llm_tokens"];
        free.Quotas.Remove("llm_tokens");
        free.Quotas[metricKey] = tokens;
        tokens.Cap = cap;

        var quota = BillingCatalog.Create(options).Plan(PlanTier.Free).Quota(Metric.LlmTokens);

        Assert.Equal(new Quota(Metric.LlmTokens, 100_000, CapMode.Hard, 0, null), quota);
    }

    [Fact]
    public void A_hard_cap_may_price_its_grace_units()
    {
        var options = ShippedCatalog.Options();
        options.Plans["standard"].Quotas["user_seats"].OverageAmountCents = 1_000;
        options.Plans["standard"].Quotas["user_seats"].OveragePerUnits = 1;

        var quota = BillingCatalog.Create(options).Plan(PlanTier.Standard).Quota(Metric.UserSeats);

        Assert.Equal(new OveragePrice(1_000, 1), quota.Overage);
        Assert.Equal(30, quota.HardLimit);
    }

    private static void StripPrice(QuotaOptions quota)
    {
        quota.OverageAmountCents = null;
        quota.OveragePerUnits = null;
    }
}
