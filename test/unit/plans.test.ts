import { PlanCatalog } from '../../src/domain/plans.js';
import { testConfig } from '../support/context.js';

describe('plan catalog', () => {
  it('loads the shipped catalog with seat types ordered highest first', () => {
    const plans = testConfig().plans;
    expect(plans.names().sort()).toEqual(['enterprise', 'enterprise_chat_code', 'enterprise_seat_based', 'team']);
    expect(plans.get('team').seatTypes).toEqual(['premium', 'standard']);
    expect(plans.rank('enterprise_chat_code', 'chat_code')).toBe(0);
    expect(plans.rank('enterprise_chat_code', 'chat')).toBe(1);
    expect(plans.get('enterprise').minimumSeats).toBe(20);
    expect(plans.get('enterprise_seat_based').renewsAs).toBe('enterprise');
  });

  it('names every problem of a broken catalog', () => {
    expect(() => PlanCatalog.parse({ plans: { a: { label: 'A', seatTypes: ['x', 'x'] } } })).toThrow(/seat types repeat/);
    expect(() => PlanCatalog.parse({ plans: { a: { label: 'A', seatTypes: ['x'], renewsAs: 'nope' } } })).toThrow(/unknown plan nope/);
    expect(() => PlanCatalog.parse({ plans: { a: { label: 'A', seatTypes: [] } } })).toThrow(/invalid plan catalog/);
    expect(() => PlanCatalog.parse({ plans: {} })).toThrow(/no plan/);
    expect(() => PlanCatalog.parse({ plans: { a: { label: 'A', seatTypes: ['x'], colour: 'red' } } })).toThrow(/colour/);
  });
});
