import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AlertsResponse } from '@/types/api';

/** Alerts are raised by the worker as usage crosses thresholds; a minute's delay is acceptable for a banner. */
export const alertsPollMs = 60_000;

/** Null when this API does not serve alerts yet. */
export function getAlerts(signal?: AbortSignal): Promise<AlertsResponse | null> {
  return api.getOptional<AlertsResponse>('/api/v1/alerts', signal);
}

export const alertsQueryOptions = () =>
  queryOptions({
    queryKey: ['alerts'],
    queryFn: ({ signal }) => getAlerts(signal),
    refetchInterval: alertsPollMs,
  });

export function useAlerts() {
  return useQuery(alertsQueryOptions());
}
