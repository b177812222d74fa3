import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Subscription } from '@/types/api';
import { subscriptionQueryOptions } from './get-subscription';

export function cancelSubscription(atPeriodEnd: boolean): Promise<Subscription> {
  return api.post<Subscription>('/api/v1/subscription/cancel', { atPeriodEnd });
}

export function useCancelSubscription() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelSubscription,
    onSuccess: (subscription) => queryClient.setQueryData(subscriptionQueryOptions().queryKey, subscription),
  });
}
