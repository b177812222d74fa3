import { useQuery } from '@tanstack/react-query';
import { screen, waitFor } from '@testing-library/react';
import { ApiError } from '@/lib/api-client';
import { renderWithQuery } from '@/testing/render';
import { QueryStatus } from './query-status';

type Answer = () => Promise<string>;

function Probe({ answer, retry }: { answer: Answer; retry?: boolean }) {
  const query = useQuery({ queryKey: ['probe'], queryFn: answer });
  return (
    <QueryStatus query={query} loading="Loading the probe…" failure="We could not load the probe." retry={retry}>
      {(value) => <p>Value: {value}</p>}
    </QueryStatus>
  );
}

const unavailable = () => new ApiError({ status: 503, title: 'Service Unavailable' });

describe('QueryStatus', () => {
  it('announces loading, then renders the answer', async () => {
    renderWithQuery(<Probe answer={() => Promise.resolve('42')} />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading the probe…');
    expect(await screen.findByText('Value: 42')).toBeInTheDocument();
  });

  it('explains a failure in plain words and retries on request', async () => {
    const answers = [() => Promise.reject(unavailable()), () => Promise.resolve('back')];
    const { user } = renderWithQuery(<Probe answer={() => (answers.shift() as Answer)()} retry />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load the probe. The billing service had a problem. Try again in a moment.',
    );
    await user.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByText('Value: back')).toBeInTheDocument();
  });

  it('offers no retry unless asked to', async () => {
    renderWithQuery(<Probe answer={() => Promise.reject(unavailable())} />);

    await screen.findByRole('alert');
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('keeps the last answer when a refresh fails', async () => {
    let calls = 0;
    const { queryClient } = renderWithQuery(
      <Probe answer={() => (++calls === 1 ? Promise.resolve('first') : Promise.reject(unavailable()))} />,
    );
    await screen.findByText('Value: first');

    await queryClient.refetchQueries({ queryKey: ['probe'] });

    await waitFor(() => expect(calls).toBe(2));
    expect(screen.getByText('Value: first')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
