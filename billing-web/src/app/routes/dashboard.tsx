import { useState } from 'react';
import { Tabs, type Tab } from '@/components/ui/tabs';
import { AlertsBanner } from '@/features/alerts/components/alerts-banner';
import { UpcomingInvoice } from '@/features/invoices/components/upcoming-invoice';
import { InvoiceList } from '@/features/invoices/components/invoice-list';
import { PlanSelector } from '@/features/plans/components/plan-selector';
import { useChangePlan } from '@/features/subscription/api/change-plan';
import { useSubscription } from '@/features/subscription/api/get-subscription';
import { SubscriptionSummary } from '@/features/subscription/components/subscription-summary';
import { useUsage } from '@/features/usage/api/get-usage';
import { ProjectedInvoice } from '@/features/usage/components/projected-invoice';
import { UsagePanel } from '@/features/usage/components/usage-panel';

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

  function selectTab(id: TabId) {
    setTab(id);
    window.history.replaceState(null, '', `#${id}`);
  }

  return (
    <>
      {usage.data && <AlertsBanner periodStart={usage.data.periodStart} currency={usage.data.currency} />}
      <div className="dashboard-overview">
        <section aria-labelledby="subscription-heading" className="panel">
          <h2 id="subscription-heading">Subscription</h2>
          <SubscriptionSummary />
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
              onChangePlan={(plan, timing) => changePlan.mutateAsync({ plan: plan.id, timing })}
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
