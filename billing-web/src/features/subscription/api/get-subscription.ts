import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Subscription } from '@/types/api';

/** Null for a tenant that has no subscription (yet). */
export function getSubscription(signal?: AbortSignal): Promise<Subscription | null> {
  return api.getOptional<Subscription>('/api/v1/subscription', signal);
}

export const subscriptionQueryOptions = () =>
  queryOptions({
    queryKey: ['subscription'],
    queryFn: ({ signal }) => getSubscription(signal),
  });

export function useSubscription() {
  return useQuery(subscriptionQueryOptions());
}
