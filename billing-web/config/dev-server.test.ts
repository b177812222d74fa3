import { apiTarget, devServerPort } from './dev-server';

describe('devServerPort', () => {
  it.each([
    [{ PORT: '6100' }, 6100],
    [{}, 5173],
    [{ PORT: '' }, 5173],
    [{ PORT: 'abc' }, 5173],
    [{ PORT: '70000' }, 5173],
  ])('reads %o as %i', (env, expected) => {
    expect(devServerPort(env)).toBe(expected);
  });
});

describe('apiTarget', () => {
  it('prefers the URL the Aspire AppHost injects', () => {
    expect(
      apiTarget({ services__api__http__0: 'http://localhost:7001', API_URL: 'http://localhost:9000' }),
    ).toBe('http://localhost:7001');
  });

  it('falls back to API_URL', () => {
    expect(apiTarget({ API_URL: 'http://localhost:9000' })).toBe('http://localhost:9000');
  });

  it('defaults to the API on port 5080', () => {
    expect(apiTarget({})).toBe('http://127.0.0.1:5080');
  });
});
