import { formatDate, formatDateTime, formatDecimalCents, formatMoney, formatUnitPrice, formatNumber, formatPercent } from './format';

describe('formatMoney', () => {
  it.each([
    [9900, 'usd', '$99.00'],
    [0, 'usd', '$0.00'],
    [2, 'usd', '$0.02'],
    [123456789, 'usd', '$1,234,567.89'],
    [1050, 'eur', '€10.50'],
  ])('shows %i cents in %s as %s', (cents, currency, expected) => {
    expect(formatMoney(cents, currency)).toBe(expected);
  });
});

describe('formatUnitPrice', () => {
  it.each([
    [200, '$2.00'],
    [2, '$0.02'],
    [0.5, '$0.005'],
    [0.125, '$0.0013'],
  ])('shows a unit price of %f cents as %s', (cents, expected) => {
    expect(formatUnitPrice(cents, 'usd')).toBe(expected);
  });
});

describe('formatDecimalCents', () => {
  it.each([
    ['9900', '$99.00'],
    ['0.01', '$0.0001'],
    ['0.0002', '$0.000002'],
    ['12.5', '$0.125'],
    ['0.0104155817', '$0.00010416'],
  ])('shows %s cents as %s', (decimal, expected) => {
    expect(formatDecimalCents(decimal, 'usd')).toBe(expected);
  });
});

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [1024, '1,024'],
    [100000000, '100,000,000'],
  ])('groups %i as %s', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });
});

describe('formatPercent', () => {
  it.each([
    [0.8, '80%'],
    [1.254, '125%'],
  ])('shows %f as %s', (ratio, expected) => {
    expect(formatPercent(ratio)).toBe(expected);
  });
});

describe('dates', () => {
  it('shows a calendar date', () => {
    expect(formatDate('2026-12-01T00:00:00Z')).toBe('Dec 1, 2026');
  });

  it('shows a date and time with its zone', () => {
    expect(formatDateTime('2026-12-01T00:00:00Z')).toBe('Dec 1, 2026, 12:00 AM UTC');
  });
});
