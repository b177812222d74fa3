// Dates in assertions are written in UTC; the host's zone must not shift them.
process.env.TZ = 'UTC';
import '@testing-library/jest-dom/vitest';
import { server } from './server';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  // Absent in the node environment of the build and browser checks.
  globalThis.sessionStorage?.clear();
});
afterAll(() => server.close());
