import { orgHasEnded, roleAtLeast, termEndFor } from '../../src/domain/organization.js';

describe('organization rules', () => {
  const org = { status: 'active', autoRenew: true, cancelAtTermEnd: false, termEnd: '2027-01-01' };

  it.each([
    ['an active, renewing term after its end date (the renewal will carry it on)', org, '2027-01-05', false],
    ['a cancelled term before its end', { ...org, cancelAtTermEnd: true }, '2026-12-31', false],
    ['a cancelled term on its end date', { ...org, cancelAtTermEnd: true }, '2027-01-01', true],
    ['a non-renewing term after its end', { ...org, autoRenew: false }, '2027-02-01', true],
    ['an organization marked ended', { ...org, status: 'ended' }, '2026-06-01', true],
  ])('%s', (_name, value, today, ended) => {
    expect(orgHasEnded(value, today)).toBe(ended);
  });

  it('orders roles and computes annual terms', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'owner')).toBe(false);
    expect(termEndFor('2024-02-29')).toBe('2025-03-01');
    expect(termEndFor('2026-01-01')).toBe('2027-01-01');
  });
});
