// Helpers shared by the rewrite steps.
import { ENTERPRISE_USER_SCHEMA } from '../../attributes.js';
import { tryParsePatchPath } from '../path.js';
import type { AttributeTarget, PipelineContext, RawOperation } from '../types.js';

export const opIs = (operation: RawOperation, ...ops: string[]) => ops.includes(operation.op);

/** The attribute `operation.path` names, when it parses and names an attribute. */
export function attributeTarget(operation: RawOperation, context: PipelineContext): AttributeTarget | undefined {
  const target = tryParsePatchPath(context.type, operation.path);
  return target?.kind === 'attribute' ? target : undefined;
}

/** True for a path naming the whole attribute (no filter, no sub-attribute). */
export const isWhole = (target: AttributeTarget): boolean => !target.filter && !target.subAttribute;

export const isMembers = (target: AttributeTarget | undefined, context: PipelineContext): target is AttributeTarget =>
  context.type === 'Group' && target?.attribute.name === 'members' && !target.extension;

export const isManager = (target: AttributeTarget | undefined): target is AttributeTarget =>
  target?.schema === ENTERPRISE_USER_SCHEMA && target.attribute.name === 'manager';

export const isRoles = (target: AttributeTarget | undefined, context: PipelineContext): target is AttributeTarget =>
  context.type === 'User' && target?.attribute.name === 'roles' && !target.extension;

/** A copy of `operation` with another path and value, keeping its provenance. */
export function derive(operation: RawOperation, op: string, path: string, value?: unknown): RawOperation {
  const derived: RawOperation = { op, path };
  if (value !== undefined || (op !== 'remove' && Object.hasOwn(operation, 'value'))) derived.value = value;
  if (operation.fromNoPath) derived.fromNoPath = true;
  return derived;
}
