import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { metricUsage, usageResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { ProjectedInvoice } from './projected-invoice';

function figure(term: string) {
  return screen.getByText(term).nextSibling;
}

describe('ProjectedInvoice', () => {
  it('adds the base fee, the overage so far and the projection to the period end', async () => {
    server.use(
      http.get('/api/v1/usage', () =>
        HttpResponse.json(
          usageResponse({
            baseFeeCents: 9900,
            metrics: [
              metricUsage({ costCents: 400, projectedCostCents: 1000 }),
              metricUsage({ metric: 'api_calls', unit: 'call', costCents: 150, projectedCostCents: 325 }),
            ],
          }),
        ),
      ),
    );

    renderWithQuery(<ProjectedInvoice />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading the projected invoice…');
    expect(await screen.findByText('Base fee')).toBeInTheDocument();
    expect(figure('Base fee')).toHaveTextContent('$99.00');
    expect(figure('Overage so far')).toHaveTextContent('$5.50');
    expect(figure('Projected overage by Dec 1, 2026')).toHaveTextContent('$13.25');
    expect(figure('Projected invoice')).toHaveTextContent('$112.25');
  });

  it('explains in plain words when the usage cannot be loaded', async () => {
    server.use(http.get('/api/v1/usage', () => problem({ status: 503, title: 'Service Unavailable' })));

    renderWithQuery(<ProjectedInvoice />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not project your invoice. The billing service had a problem. Try again in a moment.',
    );
  });
});
