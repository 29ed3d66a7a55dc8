// What every use case needs: the database, the plan catalog and a clock (injectable so that
// billing and term rules can be tested on any date).
import type { Db } from '../storage/database.js';
import type { PlanCatalog } from '../domain/plans.js';

export interface ServiceContext {
  db: Db;
  plans: PlanCatalog;
  now(): Date;
}
