import { setupServer } from 'msw/node';

/** The HTTP layer for unit tests: each test declares the responses it needs with `server.use`. */
export const server = setupServer();
