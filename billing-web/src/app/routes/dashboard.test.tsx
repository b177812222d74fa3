import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { saveApiKey } from '@/lib/api-key';
import { navigation } from '@/lib/navigate';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { checkoutUrl, portalUrl, serveTenantApi, tenantKey } from '@/testing/tenant-api';
import { BillingDashboard } from './dashboard';

function renderDashboard() {
  saveApiKey(tenantKey);
  return renderWithQuery(<BillingDashboard />);
}

const fact = (region: string, term: string) =>
  within(screen.getByRole('region', { name: region })).getByText(term).nextSibling;

describe('BillingDashboard', () => {
  beforeEach(() => window.history.replaceState(null, '', '/'));
  afterEach(() => vi.restoreAllMocks());

  it('shows the plan, the period, the projected invoice and the alerts of this period', async () => {
    serveTenantApi();

    renderDashboard();

    expect(await screen.findByText('Current plan')).toBeInTheDocument();
    expect(fact('Subscription', 'Current plan')).toHaveTextContent('Standard');
    expect(fact('Subscription', 'Current period')).toHaveTextContent('Nov 1, 2026 – Dec 1, 2026');
    expect(await screen.findByText('Projected invoice')).toBeInTheDocument();
    expect(fact('This period', 'Base fee')).toHaveTextContent('$99.00');
    expect(await screen.findByRole('region', { name: 'Usage alerts' })).toHaveTextContent(
      'LLM tokens reached 80% of the included quantity',
    );
    expect(screen.getByRole('tab', { name: 'Usage' })).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByRole('progressbar', { name: 'LLM tokens' })).toBeInTheDocument();
  });

  it('upgrades from the Plans tab: confirms, posts the change to take effect now, and shows the new plan', async () => {
    const { changeRequests } = serveTenantApi({ plan: 'free' });
    const { user } = renderDashboard();

    await user.click(screen.getByRole('tab', { name: 'Plans' }));
    expect(window.location.hash).toBe('#plans');
    expect(await screen.findByRole('listitem', { name: 'Free' })).toHaveAttribute('aria-current', 'true');
    await user.click(screen.getByRole('button', { name: 'Upgrade to Standard' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Upgrade to Standard?' })).getByRole('button', { name: 'Confirm upgrade' }));

    expect(await screen.findByText('You are now on Standard.')).toBeInTheDocument();
    expect(changeRequests).toEqual([{ plan: 'standard', timing: 'now' }]);
    expect(screen.getByRole('listitem', { name: 'Standard' })).toHaveAttribute('aria-current', 'true');
    expect(fact('Subscription', 'Current plan')).toHaveTextContent('Standard');
  });

  it('downgrades at the period end and says so', async () => {
    const { changeRequests } = serveTenantApi({ plan: 'standard' });
    const { user } = renderDashboard();

    await user.click(screen.getByRole('tab', { name: 'Plans' }));
    await user.click(await screen.findByRole('button', { name: 'Downgrade to Free' }));
    await user.click(screen.getByRole('button', { name: 'Confirm downgrade' }));

    expect(await screen.findByText('Your plan changes to Free at the end of the current period.')).toBeInTheDocument();
    expect(changeRequests).toEqual([{ plan: 'free', timing: 'period_end' }]);
    expect(await screen.findByText('Your plan changes to Free on Dec 1, 2026.')).toBeInTheDocument();
    expect(screen.getByRole('listitem', { name: 'Standard' })).toHaveAttribute('aria-current', 'true');
  });

  it('keeps the confirmation open with the API problem in plain words when a change is refused', async () => {
    serveTenantApi({ plan: 'free' });
    server.use(
      http.post('/api/v1/subscription/change-plan', () =>
        problem({ status: 409, title: 'Conflict', detail: 'A plan change is already in progress.' }),
      ),
    );
    const { user } = renderDashboard();

    await user.click(screen.getByRole('tab', { name: 'Plans' }));
    await user.click(await screen.findByRole('button', { name: 'Upgrade to Enterprise' }));
    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));

    const dialog = within(screen.getByRole('dialog', { name: 'Upgrade to Enterprise?' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent('A plan change is already in progress.');
    expect(screen.getByRole('listitem', { name: 'Free' })).toHaveAttribute('aria-current', 'true');
  });

  it('opens the tab named in the address and shows the upcoming invoice and the invoice list there', async () => {
    serveTenantApi();
    window.history.replaceState(null, '', '/#invoices');

    renderDashboard();

    const panel = within(screen.getByRole('tabpanel', { name: 'Invoices' }));
    expect(await panel.findByRole('table', { name: 'Lines of the upcoming invoice' })).toBeInTheDocument();
    expect(await panel.findByRole('button', { name: 'BILL-0001 line items' })).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('sends a tenant without a card to Stripe Checkout to upgrade, changing nothing here yet', async () => {
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => {});
    const { changeRequests, checkoutRequests } = serveTenantApi({ plan: 'free', paymentMethod: null, paymentMethodRequired: true });
    const { user } = renderDashboard();

    await user.click(screen.getByRole('tab', { name: 'Plans' }));
    await user.click(await screen.findByRole('button', { name: 'Upgrade to Standard' }));
    const dialog = screen.getByRole('dialog', { name: 'Upgrade to Standard?' });
    expect(dialog).toHaveAccessibleDescription(/You enter your card on the secure payment page next; nothing changes until the payment goes through\.$/);
    await user.click(within(dialog).getByRole('button', { name: 'Continue to payment' }));

    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith(checkoutUrl));
    expect(checkoutRequests).toEqual([{ plan: 'standard' }]);
    expect(changeRequests).toEqual([]);
    expect(within(dialog).getByRole('button', { name: 'Opening the payment page…' })).toBeDisabled();
    expect(screen.queryByText('You are now on Standard.')).not.toBeInTheDocument();
  });

  it('goes to Checkout when the API says a card is needed although the dashboard thought one was on file', async () => {
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => {});
    const { checkoutRequests } = serveTenantApi({ plan: 'free' });
    server.use(
      http.post('/api/v1/subscription/change-plan', () =>
        HttpResponse.json(
          { type: 'https://billing-aspire.dev/problems/payment-method-required', title: 'A payment method is needed', status: 402 },
          { status: 402, headers: { 'Content-Type': 'application/problem+json' } },
        ),
      ),
    );
    const { user } = renderDashboard();

    await user.click(screen.getByRole('tab', { name: 'Plans' }));
    await user.click(await screen.findByRole('button', { name: 'Upgrade to Enterprise' }));
    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));

    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith(checkoutUrl));
    expect(checkoutRequests).toEqual([{ plan: 'enterprise' }]);
  });

  it('warns of a failed payment with the amount and the next retry, and updates the card in the portal', async () => {
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => {});
    serveTenantApi({
      status: 'past_due',
      paymentFailedAt: '2099-01-01T00:00:00Z',
      graceEndsAt: '2099-01-08T00:00:00Z',
      paymentMethod: { brand: 'visa', last4: '0341', expMonth: 1, expYear: 2030 },
      outstanding: {
        amountDueCents: 9_900,
        openInvoices: 1,
        hostedInvoiceUrl: 'https://invoices.example/in_9',
        nextPaymentAttempt: '2099-01-04T00:00:00Z',
        attemptCount: 1,
        dueDate: null,
      },
    });
    const { user } = renderDashboard();

    const banner = await screen.findByRole('region', { name: 'Payment overdue' });
    expect(banner).toHaveTextContent('$99.00 is overdue. We will try your card again on Jan 4, 2099.');
    expect(within(banner).getByRole('link', { name: 'Pay now' })).toHaveAttribute('href', 'https://invoices.example/in_9');
    expect(within(screen.getByRole('region', { name: 'Payment method' })).getByText('Visa ending in 0341')).toBeInTheDocument();
    await user.click(within(banner).getByRole('button', { name: 'Update payment method' }));

    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith(portalUrl));
  });
});
