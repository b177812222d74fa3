/**
 * Leaves the dashboard for a page elsewhere (Stripe's Checkout or customer portal), as a link would.
 * One place, so tests can watch where the dashboard sends the browser.
 */
export const navigation = {
  assign(url: string) {
    window.location.assign(url);
  },
};
