import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { plansResponse } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { App } from './app';

describe('App shell', () => {
  it('shows the Billing header and the three plans with their monthly price before sign-in', async () => {
    server.use(http.get('/api/v1/plans', () => HttpResponse.json(plansResponse)));

    renderWithQuery(<App />);

    expect(screen.getByRole('heading', { level: 1, name: 'Billing' })).toBeInTheDocument();
    const plans = within(screen.getByRole('region', { name: 'Plans' }));
    expect(plans.getByRole('status')).toHaveTextContent('Loading plans…');
    expect(await plans.findByRole('heading', { name: 'Free' })).toBeInTheDocument();
    expect(plans.getByText('$0.00')).toBeInTheDocument();
    expect(plans.getByRole('heading', { name: 'Standard' })).toBeInTheDocument();
    expect(plans.getByText('$99.00')).toBeInTheDocument();
    expect(plans.getByRole('heading', { name: 'Enterprise' })).toBeInTheDocument();
    expect(plans.getByText('$999.00')).toBeInTheDocument();
  });

  it('explains in plain words when the plans cannot be loaded', async () => {
    server.use(
      http.get('/api/v1/plans', () => problem({ status: 503, title: 'Service Unavailable' })),
    );

    renderWithQuery(<App />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load the plans. The billing service had a problem. Try again in a moment.',
    );
  });
});
