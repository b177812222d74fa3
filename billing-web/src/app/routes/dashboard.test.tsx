import { screen, within } from '@testing-library/react';
import { http } from 'msw';
import { saveApiKey } from '@/lib/api-key';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { serveTenantApi, tenantKey } from '@/testing/tenant-api';
import { BillingDashboard } from './dashboard';

function renderDashboard() {
  saveApiKey(tenantKey);
  return renderWithQuery(<BillingDashboard />);
}

const fact = (region: string, term: string) =>
  within(screen.getByRole('region', { name: region })).getByText(term).nextSibling;

describe('BillingDashboard', () => {
  beforeEach(() => window.history.replaceState(null, '', '/'));

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
});
