import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Subscription } from '@/types/api';

export function getSubscription(signal?: AbortSignal): Promise<Subscription> {
  return api.get<Subscription>('/api/v1/subscription', signal);
}

export const subscriptionQueryOptions = () =>
  queryOptions({
    queryKey: ['subscription'],
    queryFn: ({ signal }) => getSubscription(signal),
  });

export function useSubscription() {
  return useQuery(subscriptionQueryOptions());
}
