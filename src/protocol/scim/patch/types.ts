// The typed vocabulary of the PATCH engine: what the rewrite pipeline works on (wire-shaped
// operations) and what the applier receives (resolved, coerced operations).
import type { AttributeMeta, ResourceType } from '../attributes.js';
import type { ElementFilter } from './elementFilter.js';

export type PatchDialect = 'default' | 'aadOptscim062020';

/** One entry of `Operations` as it travels through the rewrite pipeline (wire shape). */
export interface RawOperation {
  op: string;
  path?: string;
  value?: unknown;
  /** Set by the pipeline when the op came out of a no-path add/replace `value` object. */
  fromNoPath?: true;
}

/**
 * A change of group membership, to be applied by the caller as an SQL delta: members are never
 * loaded into memory (a group may have 100,000 of them).
 */
export type MembershipDelta =
  | { kind: 'add'; ids: string[] }
  | { kind: 'remove'; ids: string[] }
  | { kind: 'removeAll' }
  | { kind: 'replaceAll'; ids: string[] };

/** Membership changes travel through the pipeline already typed. */
export interface MembershipOperation { kind: 'membership'; delta: MembershipDelta }

export type PipelineOperation = RawOperation | MembershipOperation;

export const isMembership = (operation: PipelineOperation): operation is MembershipOperation =>
  (operation as MembershipOperation).kind === 'membership';

/** A path naming an attribute, optionally a value filter on it and a sub-attribute. */
export interface AttributeTarget {
  kind: 'attribute';
  path: string;               // as written, for messages
  schema: string;
  extension: boolean;         // stored under its schema URN key
  attribute: AttributeMeta;
  filter?: ElementFilter;     // `emails[type eq "work"]`
  subAttribute?: AttributeMeta;
}

/** A path naming a whole extension object, e.g. `urn:…:enterprise:2.0:User`. */
export interface ExtensionTarget { kind: 'extension'; path: string; schema: string }

export type PatchTarget = AttributeTarget | ExtensionTarget;

/**
 * A resolved operation. `value` is already coerced to the target's declared type and uses the
 * canonical attribute names; inside a complex value, `null` marks a sub-attribute to unset.
 * `values` on a remove lists the elements of a multi-valued attribute to remove (see compile.ts).
 * `index` is the position in the request's `Operations` it came from (for error messages).
 */
export type PatchOperation =
  | { kind: 'add' | 'replace'; target: AttributeTarget; value: unknown; fromNoPath: boolean; index?: number }
  | { kind: 'remove'; target: PatchTarget; values?: unknown[]; index?: number }
  | MembershipOperation;

export interface PipelineContext { type: ResourceType; dialect: PatchDialect }

/** One named IdP-quirk rewrite; `rewrite` returns the operations that replace `operation`. */
export interface RewriteStep {
  name: string;
  rewrite(operation: RawOperation, context: PipelineContext): PipelineOperation[];
}
