// The plan catalog (SPEC §2) as validated data. Seat types are ordered highest first; everything
// that needs an order of seat types (the gate, fallbacks, renewals) asks the catalog.
import { z } from 'zod';

const seatTypeName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'seat type names are lower_snake_case');

const planSchema = z.object({
  label: z.string().min(1),
  seatTypes: z.array(seatTypeName).min(1),
  minimumSeats: z.number().int().min(0).default(0),
  legacy: z.boolean().default(false),
  renewsAs: z.string().optional(),
  features: z.array(z.string()).default([]),
}).strict();

const catalogSchema = z.object({
  $comment: z.string().optional(),
  plans: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), planSchema),
}).strict();

export type Plan = z.infer<typeof planSchema> & { name: string };

export class PlanCatalog {
  private constructor(private readonly plans: ReadonlyMap<string, Plan>) {}

  /** Parses and cross-checks a catalog document; throws an Error naming every problem. */
  static parse(document: unknown): PlanCatalog {
    const parsed = catalogSchema.safeParse(document);
    if (!parsed.success) {
      throw new Error(`invalid plan catalog: ${z.prettifyError(parsed.error)}`);
    }
    const problems: string[] = [];
    const plans = new Map<string, Plan>();
    for (const [name, plan] of Object.entries(parsed.data.plans)) {
      if (new Set(plan.seatTypes).size !== plan.seatTypes.length) {
        problems.push(`plan ${name}: seat types repeat`);
      }
      plans.set(name, { ...plan, name });
    }
    for (const plan of plans.values()) {
      if (plan.renewsAs === undefined) continue;
      const target = plans.get(plan.renewsAs);
      if (!target) problems.push(`plan ${plan.name}: renewsAs names unknown plan ${plan.renewsAs}`);
      else if (target.legacy) problems.push(`plan ${plan.name}: renewsAs names legacy plan ${plan.renewsAs}`);
      else if (target.seatTypes.length !== 1) {
        problems.push(`plan ${plan.name}: renewsAs plan ${plan.renewsAs} must have exactly one seat type`);
      }
    }
    if (plans.size === 0) problems.push('the catalog has no plan');
    if (problems.length > 0) throw new Error(`invalid plan catalog: ${problems.join('; ')}`);
    return new PlanCatalog(plans);
  }

  names(): string[] {
    return [...this.plans.keys()];
  }

  find(name: string): Plan | undefined {
    return this.plans.get(name);
  }

  get(name: string): Plan {
    const plan = this.plans.get(name);
    if (!plan) throw new Error(`unknown plan ${name}`);
    return plan;
  }

  /** Rank of a seat type in a plan: 0 is the highest; -1 when the plan has no such type. */
  rank(planName: string, seatType: string): number {
    return this.get(planName).seatTypes.indexOf(seatType);
  }
}
