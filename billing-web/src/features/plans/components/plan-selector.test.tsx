import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse, delay } from 'msw';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { planCatalog } from '@/testing/data/plans';
import { PlanSelector } from './plan-selector';

const servePlans = () => server.use(http.get('/api/v1/plans', () => HttpResponse.json(planCatalog)));

function card(name: string) {
  return screen.getByRole('listitem', { name });
}

describe('PlanSelector', () => {
  it('shows a loading state, then the three plans with their monthly price', async () => {
    servePlans();
    renderWithQuery(<PlanSelector />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading plans…');

    const cards = await screen.findAllByRole('listitem');
    expect(cards.map((c) => within(c).getByRole('heading').textContent)).toEqual(['Free', 'Standard', 'Enterprise']);
    expect(card('Free')).toHaveTextContent('$0.00 per month');
    expect(card('Standard')).toHaveTextContent('$99.00 per month');
    expect(card('Enterprise')).toHaveTextContent('$999.00 per month');
    expect(card('Enterprise')).toHaveTextContent('14 days to settle a failed payment');
  });

  it('offers no plan change before the tenant is known', async () => {
    servePlans();
    renderWithQuery(<PlanSelector />);

    await screen.findByRole('list', { name: 'Plans' });

    expect(screen.queryByRole('button', { name: /grade to/ })).not.toBeInTheDocument();
  });

  it('compares included quantity, cap and overage price per metric', async () => {
    servePlans();
    renderWithQuery(<PlanSelector />);

    const table = await screen.findByRole('table', { name: 'Compare plans' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Metric', 'Free', 'Standard', 'Enterprise']);

    const cells = (metric: string) =>
      within(within(table).getByRole('row', { name: new RegExp(`^${metric}`) })).getAllByRole('cell').map((c) => c.textContent);
    expect(cells('LLM tokens')).toEqual([
      '100,000 tokensHard capNo overage',
      '10,000,000 tokensSoft cap$2.00 per 1,000,000 tokens over',
      '100,000,000 tokensSoft cap$1.50 per 1,000,000 tokens over',
    ]);
    expect(cells('User seats')).toEqual([
      '3 seatsHard capNo overage',
      '25 seatsHard cap, 20% graceNo overage',
      '500 seatsSoft cap$10.00 per seat over',
    ]);
    expect(cells('Agent executions')[1]).toBe('10,000 executionsSoft cap$0.02 per execution over');
  });

  it('highlights the current plan and offers an upgrade and a downgrade from it', async () => {
    servePlans();
    renderWithQuery(<PlanSelector currentPlan="standard" />);

    await screen.findByRole('list', { name: 'Plans' });

    expect(card('Standard')).toHaveAttribute('data-current', 'true');
    expect(within(card('Standard')).getByText('Current plan')).toBeVisible();
    expect(card('Free')).toHaveAttribute('data-current', 'false');
    expect(within(card('Standard')).queryByRole('button')).not.toBeInTheDocument();
    expect(within(card('Free')).getByRole('button')).toHaveTextContent('Downgrade to Free');
    expect(within(card('Enterprise')).getByRole('button')).toHaveTextContent('Upgrade to Enterprise');
    expect(screen.getByRole('columnheader', { name: 'Standard' })).toHaveAttribute('data-current', 'true');
  });

  it('confirms an upgrade as immediate and prorated, then posts it', async () => {
    servePlans();
    let posted: unknown;
    server.use(
      http.post('/api/v1/subscription/change-plan', async ({ request }) => {
        posted = await request.json();
        return HttpResponse.json({ plan: 'enterprise' });
      }),
    );
    const { user } = renderWithQuery(<PlanSelector currentPlan="standard" />);

    await user.click(await screen.findByRole('button', { name: 'Upgrade to Enterprise' }));

    const dialog = screen.getByRole('dialog', { name: 'Upgrade to Enterprise?' });
    expect(dialog).toHaveAccessibleDescription(/takes effect now, prorated/);
    expect(dialog).toHaveTextContent('Enterprise costs $999.00 per month.');

    await user.click(within(dialog).getByRole('button', { name: 'Confirm upgrade' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(posted).toEqual({ plan: 'enterprise' });
    expect(screen.getByRole('status')).toHaveTextContent('You are now on Enterprise.');
  });

  it('confirms a downgrade as taking effect at the end of the period', async () => {
    servePlans();
    server.use(http.post('/api/v1/subscription/change-plan', () => new HttpResponse(null, { status: 204 })));
    const { user } = renderWithQuery(<PlanSelector currentPlan="standard" />);

    await user.click(await screen.findByRole('button', { name: 'Downgrade to Free' }));

    const dialog = screen.getByRole('dialog', { name: 'Downgrade to Free?' });
    expect(dialog).toHaveAccessibleDescription(/takes effect at the end of the current period/);

    await user.click(within(dialog).getByRole('button', { name: 'Confirm downgrade' }));

    expect(await screen.findByRole('status')).toHaveTextContent(
      'Your plan changes to Free at the end of the current period.',
    );
  });

  it('shows the change as pending while the request runs', async () => {
    servePlans();
    server.use(
      http.post('/api/v1/subscription/change-plan', async () => {
        await delay(50);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithQuery(<PlanSelector currentPlan="free" />);

    await user.click(await screen.findByRole('button', { name: 'Upgrade to Standard' }));
    await user.click(screen.getByRole('button', { name: 'Confirm upgrade' }));

    expect(screen.getByRole('button', { name: 'Changing plan…' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('keeps the dialog open with the reason when the change fails', async () => {
    servePlans();
    server.use(
      http.post('/api/v1/subscription/change-plan', () =>
        problem({ status: 409, title: 'Conflict', detail: 'A plan change is already scheduled for this period.' }),
      ),
    );
    const { user } = renderWithQuery(<PlanSelector currentPlan="standard" />);

    await user.click(await screen.findByRole('button', { name: 'Downgrade to Free' }));
    await user.click(screen.getByRole('button', { name: 'Confirm downgrade' }));

    const dialog = screen.getByRole('dialog');
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'A plan change is already scheduled for this period.',
    );
    expect(within(dialog).getByRole('button', { name: 'Confirm downgrade' })).toBeEnabled();
  });

  it('is usable from the keyboard: focus moves in, stays in, Escape closes and returns focus', async () => {
    servePlans();
    const { user } = renderWithQuery(<PlanSelector currentPlan="standard" />);

    const opener = await screen.findByRole('button', { name: 'Upgrade to Enterprise' });
    opener.focus();
    await user.keyboard('{Enter}');

    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Confirm upgrade' })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await user.keyboard('{Escape}');

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
  });

  it('explains a failure to load and retries on request', async () => {
    let calls = 0;
    server.use(
      http.get('/api/v1/plans', () => {
        calls += 1;
        return calls === 1
          ? problem({ status: 503, title: 'Service Unavailable' })
          : HttpResponse.json(planCatalog);
      }),
    );
    const { user } = renderWithQuery(<PlanSelector />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load the plans. The billing service had a problem. Try again in a moment.',
    );

    await user.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('list', { name: 'Plans' })).toBeInTheDocument();
  });
});
