import type { CardSummary } from '@/types/api';

const brands: Record<string, string> = { amex: 'American Express', mastercard: 'Mastercard', visa: 'Visa', discover: 'Discover' };

/** "Visa ending in 4242": how a card is named to the tenant. */
export function cardName(card: CardSummary): string {
  return `${brands[card.brand] ?? card.brand} ending in ${card.last4}`;
}

/** "12/2029". */
export function cardExpiry(card: CardSummary): string {
  return `${String(card.expMonth).padStart(2, '0')}/${card.expYear}`;
}
