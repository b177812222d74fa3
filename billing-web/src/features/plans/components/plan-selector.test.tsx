import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { ApiError } from '@/lib/api-client';
import { plansResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import type { ChangeTiming, Plan, PlanId } from '@/types/api';
import { PlanSelector } from './plan-selector';

function servePlans() {
  server.use(http.get('/api/v1/plans', () => HttpResponse.json(plansResponse)));
}

async function renderSelector(
  onChangePlan: (plan: Plan, timing: ChangeTiming) => Promise<unknown> | void = vi.fn(),
  currentPlan: PlanId = 'standard',
) {
  servePlans();
  const rendered = renderWithQuery(<PlanSelector currentPlan={currentPlan} onChangePlan={onChangePlan} />);
  await screen.findByRole('list', { name: 'Plans' });
  return rendered;
}

function card(name: string) {
  return screen.getByRole('listitem', { name });
}

describe('PlanSelector', () => {
  it('shows a loading state, then one card per plan with its monthly price and payment grace', async () => {
    servePlans();
    renderWithQuery(<PlanSelector />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading plans…');
    const cards = within(await screen.findByRole('list', { name: 'Plans' })).getAllByRole('listitem');
    expect(cards.map((item) => item.textContent)).toEqual([
      'Free$0.00 per monthNo payment grace period',
      'Standard$99.00 per month7 days to settle a failed payment',
      'Enterprise$999.00 per month14 days to settle a failed payment',
    ]);
  });

  it('offers no plan change before sign-in', async () => {
    servePlans();
    renderWithQuery(<PlanSelector />);

    await screen.findByRole('list', { name: 'Plans' });
    expect(screen.queryByRole('button', { name: /grade to/ })).not.toBeInTheDocument();
  });

  it('highlights the current plan without offering changes when no handler is given', async () => {
    servePlans();
    renderWithQuery(<PlanSelector currentPlan="free" />);

    await screen.findByRole('list', { name: 'Plans' });
    expect(card('Free')).toHaveAttribute('data-current', 'true');
    expect(screen.queryByRole('button', { name: /grade to/ })).not.toBeInTheDocument();
  });

  it('highlights the current plan and offers an upgrade and a downgrade from it', async () => {
    await renderSelector();

    expect(card('Standard')).toHaveAttribute('data-current', 'true');
    expect(card('Standard')).toHaveAttribute('aria-current', 'true');
    expect(within(card('Standard')).getByText('Current plan')).toBeInTheDocument();
    expect(within(card('Standard')).queryByRole('button')).not.toBeInTheDocument();
    expect(card('Free')).not.toHaveAttribute('data-current');
    expect(within(card('Free')).getByRole('button')).toHaveTextContent('Downgrade to Free');
    expect(within(card('Enterprise')).getByRole('button')).toHaveTextContent('Upgrade to Enterprise');
  });

  it('compares included quantity, cap and overage price per metric', async () => {
    await renderSelector();

    const table = within(screen.getByRole('table', { name: 'Feature comparison' }));
    expect(table.getAllByRole('columnheader').map((cell) => cell.textContent)).toEqual([
      'Free',
      'Standard (current plan)',
      'Enterprise',
      'LLM tokens',
      'API calls',
      'Agent executions',
      'Storage',
      'User seats',
    ]);
    const cells = (row: string) =>
      within(table.getByRole('row', { name: new RegExp(`^${row}`) }))
        .getAllByRole('cell')
        .map((cell) => cell.textContent);
    expect(cells('LLM tokens: Included')).toEqual(['100,000 tokens', '10,000,000 tokens', '100,000,000 tokens']);
    expect(cells('LLM tokens: Cap')).toEqual(['Hard cap', 'Soft cap', 'Soft cap']);
    expect(cells('LLM tokens: Overage price')).toEqual(['No overage', '$2.00 per 1,000,000 tokens', '$1.50 per 1,000,000 tokens']);
    expect(cells('Agent executions: Overage price')).toEqual(['No overage', '$0.02 per execution', '$0.01 per execution']);
    expect(cells('Storage: Overage price')).toEqual(['No overage', '$0.10 per GB', '$0.05 per GB']);
    expect(cells('User seats: Included')).toEqual(['3 seats', '25 seats', '500 seats']);
    expect(cells('User seats: Cap')).toEqual(['Hard cap', 'Hard cap (20% grace, blocks at 30 seats)', 'Soft cap']);
    expect(cells('User seats: Overage price')).toEqual(['No overage', 'No overage', '$10.00 per seat']);
    expect(table.getByRole('columnheader', { name: 'Standard (current plan)' })).toHaveAttribute('data-current', 'true');
  });

  it('asks to confirm an upgrade, saying it takes effect now and the next invoice prorates it', async () => {
    const onChangePlan = vi.fn();
    const { user } = await renderSelector(onChangePlan);

    await user.click(screen.getByRole('button', { name: 'Upgrade to Enterprise' }));

    const dialog = screen.getByRole('dialog', { name: 'Upgrade to Enterprise?' });
    expect(dialog).toHaveAccessibleDescription(
      'Upgrading to Enterprise takes effect now. Your next invoice credits the unused time on Standard and charges Enterprise for the rest of the current period; afterwards you pay $999.00 per month.',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Confirm upgrade' }));

    expect(onChangePlan).toHaveBeenCalledWith(plansResponse.plans[2], 'now');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByText('You are now on Enterprise.')).toBeInTheDocument();
  });

  it('asks to confirm a downgrade, saying it takes effect at the end of the current period', async () => {
    const onChangePlan = vi.fn();
    const { user } = await renderSelector(onChangePlan);

    await user.click(screen.getByRole('button', { name: 'Downgrade to Free' }));

    const dialog = screen.getByRole('dialog', { name: 'Downgrade to Free?' });
    expect(dialog).toHaveAccessibleDescription(
      "Downgrading to Free takes effect at the end of the current period. Until then you keep Standard; your last invoice bills only this period's usage beyond Standard's included amounts, with no further monthly fee.",
    );
    await user.click(within(dialog).getByRole('button', { name: 'Confirm downgrade' }));

    expect(onChangePlan).toHaveBeenCalledWith(plansResponse.plans[0], 'period_end');
    expect(screen.getByText('Your plan changes to Free at the end of the current period.')).toBeInTheDocument();
  });

  it('asks to confirm a move from Free, saying the full monthly fee is charged today', async () => {
    const onChangePlan = vi.fn();
    const { user } = await renderSelector(onChangePlan, 'free');

    await user.click(screen.getByRole('button', { name: 'Upgrade to Standard' }));

    expect(screen.getByRole('dialog', { name: 'Upgrade to Standard?' })).toHaveAccessibleDescription(
      'Upgrading to Standard takes effect now. You are charged the full $99.00 today, not prorated, and your monthly billing period starts today.',
    );
  });

  it('asks to confirm a downgrade between paid plans, saying the next invoice bills the new monthly fee', async () => {
    const onChangePlan = vi.fn();
    const { user } = await renderSelector(onChangePlan, 'enterprise');

    await user.click(screen.getByRole('button', { name: 'Downgrade to Standard' }));
    const dialog = screen.getByRole('dialog', { name: 'Downgrade to Standard?' });
    expect(dialog).toHaveAccessibleDescription(
      "Downgrading to Standard takes effect at the end of the current period. Until then you keep Enterprise's quotas and prices; the next invoice bills this period's usage at Enterprise's prices and $99.00 for your first month on Standard.",
    );
    await user.click(within(dialog).getByRole('button', { name: 'Confirm downgrade' }));

    expect(onChangePlan).toHaveBeenCalledWith(plansResponse.plans[1], 'period_end');
  });

  it('can be used from the keyboard: focus moves into the dialog, stays there, Escape cancels and focus returns', async () => {
    const onChangePlan = vi.fn();
    const { user } = await renderSelector(onChangePlan);
    const upgrade = screen.getByRole('button', { name: 'Upgrade to Enterprise' });

    upgrade.focus();
    await user.keyboard('{Enter}');

    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Confirm upgrade' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(upgrade).toHaveFocus();
    expect(onChangePlan).not.toHaveBeenCalled();
  });

  it('shows the change as pending and cannot be dismissed until it settles', async () => {
    const { user } = await renderSelector(() => new Promise(() => {}));

    await user.click(screen.getByRole('button', { name: 'Upgrade to Enterprise' }));
    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));
    await user.keyboard('{Escape}');

    const dialog = screen.getByRole('dialog', { name: 'Upgrade to Enterprise?' });
    expect(within(dialog).getByRole('button', { name: 'Changing plan…' })).toBeDisabled();
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toBeDisabled();
  });

  it('keeps the dialog open with the reason when the change fails', async () => {
    const declined = new ApiError({ status: 402, title: 'Payment Required', detail: 'Your payment method was declined.' });
    const { user } = await renderSelector(() => Promise.reject(declined));

    await user.click(screen.getByRole('button', { name: 'Upgrade to Enterprise' }));
    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));

    const dialog = screen.getByRole('dialog', { name: 'Upgrade to Enterprise?' });
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Your payment method was declined.');
    expect(within(dialog).getByRole('button', { name: 'Confirm upgrade' })).toBeEnabled();
  });

  it('explains a failed load in plain words and retries on request', async () => {
    let calls = 0;
    server.use(
      http.get('/api/v1/plans', () => {
        calls += 1;
        return calls === 1 ? problem({ status: 500, title: 'Internal Server Error' }) : HttpResponse.json(plansResponse);
      }),
    );
    const { user } = renderWithQuery(<PlanSelector />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load the plans. The billing service had a problem. Try again in a moment.',
    );
    await user.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('listitem', { name: 'Enterprise' })).toBeInTheDocument();
  });
});
