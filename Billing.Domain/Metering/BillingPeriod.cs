namespace Billing.Domain.Metering;

/// <summary>
/// A monthly billing period in UTC, <see cref="Start"/> inclusive and <see cref="End"/> exclusive. Periods are
/// anchored on the subscription start as Stripe anchors them: period n starts at anchor + n months, computed from
/// the anchor each time so a January 31 anchor gives Feb 28 (29), then Mar 31, not Mar 28.
/// </summary>
public readonly record struct BillingPeriod(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Length => End - Start;

    /// <summary>The period of a subscription anchored at <paramref name="anchor"/> that contains <paramref name="instant"/>.</summary>
    /// <remarks>An instant exactly on a boundary belongs to the period that starts there.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="instant"/> is before <paramref name="anchor"/>.</exception>
    public static BillingPeriod Containing(DateTimeOffset anchor, DateTimeOffset instant)
    {
        anchor = anchor.ToUniversalTime();
        instant = instant.ToUniversalTime();
        ArgumentOutOfRangeException.ThrowIfLessThan(instant, anchor);

        // The calendar month difference is at most one too high (when the instant's day or time of day is before the anchor's).
        var months = ((instant.Year - anchor.Year) * 12) + instant.Month - anchor.Month;
        if (anchor.AddMonths(months) > instant)
        {
            months--;
        }

        return new BillingPeriod(anchor.AddMonths(months), anchor.AddMonths(months + 1));
    }

    public bool Contains(DateTimeOffset instant) => Start <= instant && instant < End;

    /// <summary>The period after this one, for periods produced by <see cref="Containing"/>.</summary>
    public BillingPeriod Next()
    {
        var end = End.ToUniversalTime();
        var nextMonth = new DateTimeOffset(end.Year, end.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        var day = Math.Min(AnchorDay(), DateTime.DaysInMonth(nextMonth.Year, nextMonth.Month));
        return new BillingPeriod(end, nextMonth.AddDays(day - 1) + end.TimeOfDay);
    }

    /// <summary>
    /// Recovers the anchor's day of month. Months only clamp the anchor day at their last day, so a boundary that is not
    /// a month's last day shows it; when both are last days, one of the two consecutive months has 31 days, so the anchor day is 31.
    /// </summary>
    private int AnchorDay()
    {
        var start = Start.ToUniversalTime();
        var end = End.ToUniversalTime();
        return start.Day < DateTime.DaysInMonth(start.Year, start.Month) ? start.Day
            : end.Day < DateTime.DaysInMonth(end.Year, end.Month) ? end.Day
            : 31;
    }
}
