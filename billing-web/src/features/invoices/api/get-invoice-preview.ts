import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { InvoicePreview } from '@/types/api';

/** Null when there is nothing to preview (no subscription billed by the period end). */
export function getInvoicePreview(signal?: AbortSignal): Promise<InvoicePreview | null> {
  return api.getOptional<InvoicePreview>('/api/v1/invoices/preview', signal);
}

export const invoicePreviewQueryOptions = () =>
  queryOptions({
    queryKey: ['invoices', 'preview'],
    queryFn: ({ signal }) => getInvoicePreview(signal),
  });

export function useInvoicePreview() {
  return useQuery(invoicePreviewQueryOptions());
}
