import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Tabs, type Tab } from '@/components/ui/tabs';
import { AlertsBanner } from '@/features/alerts/components/alerts-banner';
import { UpcomingInvoice } from '@/features/invoices/components/upcoming-invoice';
import { InvoiceList } from '@/features/invoices/components/invoice-list';
import { useStartCheckout } from '@/features/payments/api/start-checkout';
import { CheckoutReturn } from '@/features/payments/components/checkout-return';
import { PastDueBanner } from '@/features/payments/components/past-due-banner';
import { PaymentMethodCard } from '@/features/payments/components/payment-method-card';
import { leftForPayment, PlanSelector } from '@/features/plans/components/plan-selector';
import { useChangePlan } from '@/features/subscription/api/change-plan';
import { useSubscription } from '@/features/subscription/api/get-subscription';
import { SubscriptionSummary } from '@/features/subscription/components/subscription-summary';
import { useUsage } from '@/features/usage/api/get-usage';
import { ProjectedInvoice } from '@/features/usage/components/projected-invoice';
import { UsagePanel } from '@/features/usage/components/usage-panel';
import { ApiError } from '@/lib/api-client';
import type { ChangeTiming, Plan } from '@/types/api';

type TabId = 'usage' | 'plans' | 'invoices';

const tabs: Tab<TabId>[] = [
  { id: 'usage', label: 'Usage' },
  { id: 'plans', label: 'Plans' },
  { id: 'invoices', label: 'Invoices' },
];

// The tab lives in the URL's hash so a reload or a shared link opens the same view.
function tabFromHash(): TabId {
  return tabs.find((tab) => `#${tab.id}` === window.location.hash)?.id ?? 'usage';
}

/** The signed-in tenant's billing at a glance; composes the features, which know nothing of each other. */
export function BillingDashboard() {
  const [tab, setTab] = useState<TabId>(tabFromHash);
  const subscription = useSubscription();
  const usage = useUsage();
  const changePlan = useChangePlan();
  const checkout = useStartCheckout();
  const queryClient = useQueryClient();
  const refetchSubscription = subscription.refetch;
  const pollSubscription = useCallback(() => void refetchSubscription(), [refetchSubscription]);
  const refreshAll = useCallback(() => void queryClient.invalidateQueries(), [queryClient]);

  function selectTab(id: TabId) {
    setTab(id);
    window.history.replaceState(null, '', `#${id}`);
  }

  // A paid plan without a card on file goes through Stripe Checkout; the API's own answer decides if the view was stale.
  async function choosePlan(plan: Plan, timing: ChangeTiming) {
    const leaveForCheckout = async () => {
      await checkout.mutateAsync(plan.id);
      return leftForPayment;
    };
    if (plan.basePriceCents > 0 && subscription.data?.paymentMethodRequired) {
      return leaveForCheckout();
    }
    try {
      return await changePlan.mutateAsync({ plan: plan.id, timing });
    } catch (error) {
      if (error instanceof ApiError && error.type?.endsWith('/payment-method-required')) {
        return leaveForCheckout();
      }
      throw error;
    }
  }

  return (
    <>
      <CheckoutReturn subscription={subscription.data} onPoll={pollSubscription} onConfirmed={refreshAll} />
      {subscription.data && <PastDueBanner subscription={subscription.data} currency={usage.data?.currency ?? 'usd'} />}
      {usage.data && <AlertsBanner periodStart={usage.data.periodStart} currency={usage.data.currency} />}
      <div className="dashboard-overview">
        <section aria-labelledby="subscription-heading" className="panel">
          <h2 id="subscription-heading">Subscription</h2>
          <SubscriptionSummary />
          {subscription.data && (
            <section aria-labelledby="payment-method-heading">
              <h3 id="payment-method-heading">Payment method</h3>
              <PaymentMethodCard subscription={subscription.data} />
            </section>
          )}
        </section>
        <section aria-labelledby="projected-heading" className="panel">
          <h2 id="projected-heading">This period</h2>
          <ProjectedInvoice />
        </section>
      </div>
      <section aria-label="Billing details" className="panel">
        <Tabs label="Billing details" tabs={tabs} selected={tab} onSelect={selectTab}>
          {tab === 'usage' && <UsagePanel />}
          {tab === 'plans' && (
            <PlanSelector
              currentPlan={subscription.data?.plan ?? usage.data?.plan}
              paymentMethodRequired={subscription.data?.paymentMethodRequired ?? false}
              onChangePlan={choosePlan}
            />
          )}
          {tab === 'invoices' && (
            <>
              <section aria-labelledby="upcoming-heading">
                <h3 id="upcoming-heading">Upcoming invoice</h3>
                <UpcomingInvoice />
              </section>
              <section aria-labelledby="invoices-heading">
                <h3 id="invoices-heading">Invoices</h3>
                <InvoiceList />
              </section>
            </>
          )}
        </Tabs>
      </section>
    </>
  );
}
