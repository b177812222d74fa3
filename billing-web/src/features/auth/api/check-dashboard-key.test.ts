import { missingScopesMessage } from './check-dashboard-key';

describe('missingScopesMessage', () => {
  it.each([
    [['ingest', 'read', 'manage'], null],
    [['read', 'manage'], null],
    [['manage', 'read'], null],
    [[], 'This key lacks the read and manage scopes. The dashboard needs a key with the read and manage scopes.'],
    [['ingest', 'manage'], 'This key lacks the read scope. The dashboard needs a key with the read and manage scopes.'],
  ])('for a key holding %j says %j', (held, expected) => {
    expect(missingScopesMessage(held)).toBe(expected);
  });
});
