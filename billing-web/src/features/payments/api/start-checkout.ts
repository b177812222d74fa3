import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { navigation } from '@/lib/navigate';
import type { CheckoutSession, PlanId } from '@/types/api';

export function startCheckout(plan: PlanId): Promise<CheckoutSession> {
  return api.post<CheckoutSession>('/api/v1/subscription/checkout', { plan });
}

/** Opens Stripe Checkout for a paid plan; nothing changes here until Stripe reports the payment. */
export function useStartCheckout() {
  return useMutation({
    mutationFn: startCheckout,
    onSuccess: (session) => navigation.assign(session.url),
  });
}
