using Billing.Domain.Catalog;
using Billing.Domain.Payments;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Stripe;
using LocalInvoice = Billing.Infrastructure.Data.Entities.Invoice;
using StripeInvoice = Stripe.Invoice;
using StripeSubscription = Stripe.Subscription;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// Applies stored Stripe events to the local subscription and invoice rows, one event per
/// transaction (claimed with <c>FOR UPDATE SKIP LOCKED</c>, so several workers never take the same).
/// An event older than the state it would change is ignored, so out-of-order deliveries cannot
/// overwrite newer state; <c>created</c> has whole seconds, so ties are settled without it (invoices
/// by their status rank, subscriptions by Stripe's current state). Failures are retried for at least three days
/// (<see cref="WebhookRetries"/>), then left <c>failed</c> for the operator to replay.
/// </summary>
public sealed partial class WebhookProcessor(
    StripeClient stripe,
    BillingDbContext db,
    StripeCatalogIds catalogIds,
    SubscriptionChanges changes,
    StripePaymentMethods paymentMethods,
    CacheInvalidation caches,
    AuditLog audit,
    TimeProvider clock,
    ILogger<WebhookProcessor> logger)
{
    /// <summary>Processes the oldest due event; false when none is due.</summary>
    public async Task<bool> ProcessNextAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.WebhookEvents.FromSql($"""
            SELECT * FROM webhook_events
            WHERE status = 'received' AND (next_attempt_at IS NULL OR next_attempt_at <= {clock.GetUtcNow()})
            ORDER BY stripe_created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
            """).SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return false;
        }

        (string Outcome, Guid? TenantId) result;
        try
        {
            result = await ApplyAsync(row, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Stripe event {EventId} ({Type}) failed on attempt {Attempt}", row.StripeEventId, row.Type, row.Attempts + 1);
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            await RecordFailureAsync(row.Id, e, cancellationToken);
            return true;
        }

        row.Status = result.Outcome;
        row.Attempts++;
        row.ProcessedAt = clock.GetUtcNow();
        audit.Record(result.TenantId, "stripe", $"webhook.{result.Outcome}", new { eventId = row.StripeEventId, type = row.Type });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (result.TenantId is { } tenantId)
        {
            await caches.EvictEverywhereAsync(TenantBillingStore.CacheKey(tenantId));
        }

        return true;
    }

    private async Task<(string Outcome, Guid? TenantId)> ApplyAsync(WebhookEvent row, CancellationToken cancellationToken)
    {
        var stripeEvent = EventUtility.ParseEvent(row.Payload, throwOnApiVersionMismatch: false);
        var created = new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc));
        return stripeEvent.Data.Object switch
        {
            StripeSubscription subscription when row.Type.StartsWith("customer.subscription.", StringComparison.Ordinal) =>
                await ApplySubscriptionAsync(row.Type, subscription, created, cancellationToken),
            StripeInvoice invoice when row.Type.StartsWith("invoice.", StringComparison.Ordinal) && invoice.Id is not null =>
                await ApplyInvoiceAsync(row.Type, invoice, created, cancellationToken),
            global::Stripe.Checkout.Session session when row.Type.StartsWith("checkout.session.", StringComparison.Ordinal) =>
                await ApplyCheckoutAsync(row.Type, session, created, cancellationToken),
            Customer customer when row.Type == "customer.updated" => await ApplyCardAsync(customer.Id, cancellationToken),
            PaymentMethod method when row.Type.StartsWith("payment_method.", StringComparison.Ordinal) =>
                await ApplyCardAsync(method.CustomerId ?? await CustomerOfCardAsync(method.Id, cancellationToken), cancellationToken),
            _ => ("ignored", null),
        };
    }

    private async Task<(string, Guid?)> ApplySubscriptionAsync(string type, StripeSubscription remote, DateTimeOffset created, CancellationToken cancellationToken)
    {
        var tenant = await TenantOfAsync(remote.CustomerId, cancellationToken);
        var local = tenant is null ? null : await db.Subscriptions.SingleOrDefaultAsync(s => s.TenantId == tenant.Id, cancellationToken);
        if (local is null || IsStale(local, remote, Ended(type, remote) || NeverStarted(remote), created))
        {
            return ("ignored", tenant?.Id);
        }

        var previousStatus = local.Status;
        if (local.StripeEventAt == created)
        {
            // Two events of one second carry no order (a deletion and an update, an update and a payment failure's
            // past_due): the subscription as Stripe holds it now settles which state stands.
            remote = await stripe.V1.Subscriptions.GetAsync(remote.Id, cancellationToken: cancellationToken);
        }

        if (Ended(type, remote))
        {
            if (local.PendingPlan == PlanTier.Free.ToKey())
            {
                SubscriptionChanges.MoveToFree(local, created);
            }
            else
            {
                // The id stays: later events of this subscription are recognised, and a new plan choice starts a new one.
                local.Status = "canceled";
                local.CanceledAt = created;
            }
        }
        else if (NeverStarted(remote))
        {
            // The first invoice went unpaid for 23 hours: the paid plan never began, and the tenant goes on as before, on Free.
            SubscriptionChanges.MoveToFree(local, created);
        }
        else
        {
            var previousStart = local.CurrentPeriodStart;
            local.StripeSubscriptionId = remote.Id;
            local.Status = remote.Status;
            local.CancelAtPeriodEnd = remote.CancelAtPeriodEnd;
            local.CollectionMethod = remote.CollectionMethod ?? local.CollectionMethod;
            local.DaysUntilDue = remote.DaysUntilDue is { } days ? (int)days : null;
            if (remote.Items?.Data.FirstOrDefault() is { } item)
            {
                local.CurrentPeriodStart = item.CurrentPeriodStart;
                local.CurrentPeriodEnd = item.CurrentPeriodEnd;
            }

            local.Plan = await PlanInForceAsync(remote, cancellationToken) ?? local.Plan;
            if (local.CurrentPeriodStart > previousStart && local.PendingPlan is not null)
            {
                await changes.ApplyPendingAsync(local, cancellationToken);
            }
        }

        if (local.Status != previousStatus)
        {
            // Every dunning outcome (past due, unpaid, canceled for non-payment, expired, active again) is one of these.
            audit.Record(tenant!.Id, "stripe", "subscription.status_changed",
                new { from = previousStatus, to = remote.Status, reason = remote.CancellationDetails?.Reason, subscription = remote.Id });
        }

        local.StripeEventAt = created;
        local.UpdatedAt = clock.GetUtcNow();
        tenant!.Plan = local.Plan;
        return ("processed", tenant.Id);
    }

    /// <summary>Stripe's <c>incomplete_expired</c>: terminal, and no invoice of it was ever paid.</summary>
    private static bool NeverStarted(StripeSubscription remote) => remote.Status == SubscriptionLifecycle.IncompleteExpired;

    /// <summary>Stripe never reactivates a canceled subscription, so an update that says canceled is an end too.</summary>
    private static bool Ended(string type, StripeSubscription remote) => type == "customer.subscription.deleted" || remote.Status == "canceled";

    private static bool IsStale(Data.Entities.Subscription local, StripeSubscription remote, bool ended, DateTimeOffset created) =>
        local.StripeSubscriptionId is { } known
            ? known != remote.Id || created < local.StripeEventAt
            // No subscription known (never one, or it ended into Free): only a newer, live one is taken on.
            : ended || created <= local.StripeEventAt;

    /// <summary>
    /// The metered prices carry the period's tiers and the quotas in force, so they name the plan; the base price
    /// may already be the next period's (a downgrade scheduled for the period end, see <see cref="SubscriptionChanges"/>).
    /// </summary>
    private async Task<string?> PlanInForceAsync(StripeSubscription remote, CancellationToken cancellationToken)
    {
        string? basePlan = null;
        foreach (var price in remote.Items?.Data.Select(i => i.Price?.Id).OfType<string>() ?? [])
        {
            if (await catalogIds.DescribeAsync(price, cancellationToken) is { } role)
            {
                if (role.Metric is not null)
                {
                    return role.Plan;
                }

                basePlan = role.Plan;
            }
        }

        return basePlan;
    }

    private async Task<(string, Guid?)> ApplyInvoiceAsync(string type, StripeInvoice remote, DateTimeOffset created, CancellationToken cancellationToken)
    {
        var tenant = await TenantOfAsync(remote.CustomerId, cancellationToken);
        if (tenant is null)
        {
            return ("ignored", null);
        }

        if (type == "invoice.upcoming")
        {
            // A preview of the next invoice, not an invoice: the dashboard asks create_preview for it live.
            return ("processed", tenant.Id);
        }

        var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenant.Id, cancellationToken);
        var local = await db.Invoices.Include(i => i.Lines).SingleOrDefaultAsync(i => i.StripeInvoiceId == remote.Id, cancellationToken);
        if (type is "invoice.payment_failed" or "invoice.overdue" && !InvoiceStatuses.IsSettled(local?.Status))
        {
            // A sent invoice's due date passing starts the grace as a failed charge does.
            subscription.PaymentFailedAt ??= created;
            audit.Record(tenant.Id, "stripe", type == "invoice.overdue" ? "payment.overdue" : "payment.failed", new
            {
                invoice = remote.Number ?? remote.Id,
                amountDueCents = remote.AmountRemaining,
                attemptCount = remote.AttemptCount,
                nextPaymentAttempt = remote.NextPaymentAttempt,
                dueDate = remote.DueDate,
            });
        }
        else if (type is "invoice.paid" or "invoice.voided"
                 && !await db.Invoices.AnyAsync(i => i.TenantId == tenant.Id && i.StripeInvoiceId != remote.Id && i.Status == "open" && i.AmountDueCents > 0, cancellationToken))
        {
            // The grace ends when nothing is left unpaid: paying one of two failed invoices settles only that one.
            if (subscription.PaymentFailedAt is not null)
            {
                audit.Record(tenant.Id, "stripe", type == "invoice.paid" ? "payment.recovered" : "payment.written_off", new { invoice = remote.Number ?? remote.Id });
            }

            subscription.PaymentFailedAt = null;
        }

        if (local is null)
        {
            local = new LocalInvoice { Id = Guid.CreateVersion7(), TenantId = tenant.Id, StripeInvoiceId = remote.Id, Status = remote.Status, Currency = remote.Currency, CreatedAt = clock.GetUtcNow() };
            db.Invoices.Add(local);
        }
        else if (created < local.StripeEventAt || InvoiceStatuses.Rank(remote.Status) < InvoiceStatuses.Rank(local.Status))
        {
            return ("ignored", tenant.Id);
        }

        local.Number = remote.Number;
        local.Status = remote.Status;
        local.Currency = remote.Currency;
        local.PeriodStart = remote.PeriodStart;
        local.PeriodEnd = remote.PeriodEnd;
        local.SubtotalCents = remote.Subtotal;
        local.TotalCents = remote.Total;
        local.AmountDueCents = remote.AmountDue;
        local.AmountPaidCents = remote.AmountPaid;
        local.HostedInvoiceUrl = remote.HostedInvoiceUrl;
        local.InvoicePdfUrl = remote.InvoicePdf;
        local.AttemptCount = (int)remote.AttemptCount;
        local.NextPaymentAttempt = Utc(remote.NextPaymentAttempt);
        local.DueDate = Utc(remote.DueDate);
        local.StripeEventAt = created;
        local.UpdatedAt = clock.GetUtcNow();
        await ReplaceLinesAsync(local, remote, cancellationToken);
        return ("processed", tenant.Id);
    }

    private async Task ReplaceLinesAsync(LocalInvoice local, StripeInvoice remote, CancellationToken cancellationToken)
    {
        db.InvoiceLines.RemoveRange(local.Lines);
        foreach (var line in remote.Lines?.Data ?? [])
        {
            var priceId = StripeInvoiceLines.PriceId(line);
            var role = priceId is null ? null : await catalogIds.DescribeAsync(priceId, cancellationToken);
            // Added explicitly: a new line with its key already set would otherwise be taken for an existing row.
            db.InvoiceLines.Add(new InvoiceLine
            {
                Id = Guid.CreateVersion7(),
                InvoiceId = local.Id,
                TenantId = local.TenantId,
                StripeLineId = line.Id,
                Description = line.Description ?? "",
                Metric = role?.Metric,
                Quantity = line.Quantity ?? 0,
                AmountCents = line.Amount,
                UnitAmountDecimal = line.Pricing?.UnitAmountDecimal,
                Proration = StripeInvoiceLines.IsProration(line),
                PeriodStart = line.Period?.Start ?? remote.PeriodStart,
                PeriodEnd = line.Period?.End ?? remote.PeriodEnd,
            });
        }
    }

    private Task<Data.Entities.Tenant?> TenantOfAsync(string? customerId, CancellationToken cancellationToken) =>
        customerId is null ? Task.FromResult<Data.Entities.Tenant?>(null) : db.Tenants.FirstOrDefaultAsync(t => t.StripeCustomerId == customerId, cancellationToken);

    private async Task RecordFailureAsync(long id, Exception error, CancellationToken cancellationToken)
    {
        var row = await db.WebhookEvents.SingleAsync(e => e.Id == id, cancellationToken);
        row.Attempts++;
        row.Error = error.Message;
        row.Status = WebhookRetries.GivesUpAfter(row.Attempts) ? "failed" : "received";
        row.NextAttemptAt = row.Status == "failed" ? null : clock.GetUtcNow() + WebhookRetries.DelayAfter(row.Attempts);
        if (row.Status == "failed")
        {
            logger.LogError("Stripe event {EventId} ({Type}) failed {Attempts} times over {Days} days and is no longer retried; "
                + "GET /api/v1/webhooks/stripe/events?status=failed lists it, POST …/events/{Id}/replay retries it",
                row.StripeEventId, row.Type, row.Attempts, WebhookRetries.RetryFor.TotalDays, row.Id);
        }

        audit.Record(null, "stripe", row.Status == "failed" ? "webhook.failed" : "webhook.retrying", new { eventId = row.StripeEventId, type = row.Type, error = error.Message });
        await db.SaveChangesAsync(cancellationToken);
    }
}
