import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { plainMessage } from '@/lib/api-client';

type QueryStatusProps<T> = {
  query: UseQueryResult<T>;
  /** Shown while the first answer is on its way, e.g. "Loading invoices…". */
  loading: string;
  /** What could not be done, followed by the reason in plain words, e.g. "We could not load your invoices." */
  failure: string;
  /** Offers "Try again" for failures a retry can fix. */
  retry?: boolean;
  children: (data: T) => ReactNode;
};

/** The loading and error states every panel shares, so they read and sound the same everywhere. */
export function QueryStatus<T>({ query, loading, failure, retry = false, children }: QueryStatusProps<T>) {
  if (query.isPending) {
    return (
      <p role="status" className="muted">
        {loading}
      </p>
    );
  }
  // A failed refresh keeps the last good answer on screen: polling panels must not flicker into errors.
  if (query.data === undefined) {
    return (
      <div role="alert" className="notice notice--error">
        <p>
          {failure} {plainMessage(query.error)}
        </p>
        {retry && (
          <button type="button" className="button" onClick={() => query.refetch()}>
            Try again
          </button>
        )}
      </div>
    );
  }
  return children(query.data);
}
