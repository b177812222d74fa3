import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { navigation } from '@/lib/navigate';
import type { PortalSession } from '@/types/api';

export function openPortal(): Promise<PortalSession> {
  return api.post<PortalSession>('/api/v1/billing/portal');
}

/** Opens Stripe's customer portal, where the card is replaced and open invoices are paid; it returns to the dashboard. */
export function useOpenPortal() {
  return useMutation({
    mutationFn: openPortal,
    onSuccess: (session) => navigation.assign(session.url),
  });
}
