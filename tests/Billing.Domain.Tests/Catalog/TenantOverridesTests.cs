using Billing.Domain.Catalog;

namespace Billing.Domain.Tests.Catalog;

public sealed class TenantOverridesTests
{
    [Theory]
    [InlineData(PlanTier.Free, Metric.ApiCalls, 50_000)]
    [InlineData(PlanTier.Standard, Metric.LlmTokens, 25_000_000)]
    [InlineData(PlanTier.Enterprise, Metric.UserSeats, 2_000)]
    [InlineData(PlanTier.Enterprise, Metric.StorageMb, 0)]
    public void An_included_override_replaces_only_that_quantity(PlanTier tier, Metric metric, long included)
    {
        var plan = ShippedCatalog.Plan(tier);

        var overridden = plan.WithOverrides(Override(metric, new QuotaOverride(included, null, null, null)));

        Assert.Equal(plan.Quota(metric) with { Included = included }, overridden.Quota(metric));
        Assert.All(MetricKeys.All.Where(m => m != metric), m => Assert.Equal(plan.Quota(m), overridden.Quota(m)));
        Assert.Equal(plan.BasePriceCents, overridden.BasePriceCents);
    }

    [Theory]
    [InlineData(PlanTier.Standard, 7_900L, 7_900)]
    [InlineData(PlanTier.Enterprise, 0L, 0)]
    [InlineData(PlanTier.Enterprise, null, 99_900)]
    public void A_base_price_override_replaces_the_plan_price(PlanTier tier, long? basePriceCents, long expected)
    {
        var overrides = new TenantOverrides(basePriceCents, new Dictionary<Metric, QuotaOverride>());

        Assert.Equal(expected, ShippedCatalog.Catalog.PlanFor(tier, overrides).BasePriceCents);
    }

    [Fact]
    public void A_negotiated_overage_price_replaces_the_list_price()
    {
        var overrides = Override(Metric.LlmTokens, new QuotaOverride(null, null, null, new OveragePrice(100, 1_000_000)));

        var quota = ShippedCatalog.Catalog.PlanFor(PlanTier.Enterprise, overrides).Quota(Metric.LlmTokens);

        Assert.Equal(new Quota(Metric.LlmTokens, 100_000_000, CapMode.Soft, 0, new OveragePrice(100, 1_000_000)), quota);
    }

    [Fact]
    public void A_hard_cap_can_become_soft_with_a_price()
    {
        var overrides = Override(Metric.ApiCalls, new QuotaOverride(null, CapMode.Soft, null, new OveragePrice(100, 10_000)));

        var quota = ShippedCatalog.Catalog.PlanFor(PlanTier.Free, overrides).Quota(Metric.ApiCalls);

        Assert.Equal(CapMode.Soft, quota.Cap);
        Assert.Null(quota.HardLimit);
        Assert.Equal(0.01m, quota.Overage?.UnitPriceCents);
    }

    [Fact]
    public void A_soft_cap_can_become_hard_with_grace()
    {
        var overrides = Override(Metric.UserSeats, new QuotaOverride(100, CapMode.Hard, 10, null));

        var quota = ShippedCatalog.Catalog.PlanFor(PlanTier.Enterprise, overrides).Quota(Metric.UserSeats);

        Assert.Equal(110, quota.HardLimit);
    }

    [Fact]
    public void Overriding_leaves_the_catalog_plan_untouched()
    {
        var before = ShippedCatalog.Quota(PlanTier.Standard, Metric.UserSeats);

        _ = ShippedCatalog.Catalog.PlanFor(PlanTier.Standard, Override(Metric.UserSeats, new QuotaOverride(40, null, 0, null)));

        Assert.Equal(25, ShippedCatalog.Quota(PlanTier.Standard, Metric.UserSeats).Included);
        Assert.Same(before, ShippedCatalog.Quota(PlanTier.Standard, Metric.UserSeats));
    }

    [Fact]
    public void No_overrides_means_the_catalog_plan_itself()
    {
        var plan = ShippedCatalog.Plan(PlanTier.Standard);

        Assert.Same(plan, plan.WithOverrides(null));
        Assert.Same(plan, ShippedCatalog.Catalog.PlanFor(PlanTier.Standard, null));
    }

    [Theory]
    [InlineData(PlanTier.Free, Metric.ApiCalls, -1L, null, null,
        "Overrides:free:Quotas:api_calls:Included: must not be negative, was -1.")]
    [InlineData(PlanTier.Standard, Metric.UserSeats, null, null, "150",
        "Overrides:standard:Quotas:user_seats:GracePercent: must be between 0 and 100, was 150.")]
    [InlineData(PlanTier.Free, Metric.ApiCalls, null, CapMode.Soft, null,
        "Overrides:free:Quotas:api_calls: a soft cap needs an overage price (OverageAmountCents and OveragePerUnits).")]
    [InlineData(PlanTier.Enterprise, (Metric)42, 10L, null, null,
        "Overrides:enterprise:Quotas:42: unknown metric; expected one of llm_tokens, api_calls, agent_executions, storage_mb, user_seats.")]
    public void An_override_that_breaks_a_catalog_rule_is_rejected(
        PlanTier tier, Metric metric, long? included, CapMode? cap, string? gracePercent, string error)
    {
        var change = new QuotaOverride(included, cap, gracePercent is null ? null : Values.Dec(gracePercent), null);

        var exception = Assert.Throws<CatalogValidationException>(
            () => ShippedCatalog.Catalog.PlanFor(tier, Override(metric, change)));

        Assert.Equal([error], exception.Errors);
    }

    [Fact]
    public void Every_problem_of_an_override_is_reported()
    {
        var overrides = new TenantOverrides(-1, new Dictionary<Metric, QuotaOverride>
        {
            [Metric.StorageMb] = new(null, null, null, new OveragePrice(-10, 0)),
        });

        var exception = Assert.Throws<CatalogValidationException>(
            () => ShippedCatalog.Catalog.PlanFor(PlanTier.Standard, overrides));

        Assert.Equal(
            [
                "Overrides:standard:BasePriceCents: must not be negative, was -1.",
                "Overrides:standard:Quotas:storage_mb:OverageAmountCents: must not be negative, was -10.",
                "Overrides:standard:Quotas:storage_mb:OveragePerUnits: must be positive, was 0.",
            ],
            exception.Errors);
    }

    private static TenantOverrides Override(Metric metric, QuotaOverride change) =>
        new(null, new Dictionary<Metric, QuotaOverride> { [metric] = change });
}
