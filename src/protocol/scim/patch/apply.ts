// Applies typed PATCH operations (RFC 7644 §3.5.2) to a resource held as plain JSON. Pure: the
// input is never mutated. Group membership is not applied here: membership operations are
// returned, in request order, as deltas for the caller to run in SQL.
import { schemasOf, type AttributeMeta, type ResourceType } from '../attributes.js';
import { equalityValues, matchesElement } from './elementFilter.js';
import { mutability, noTarget, ScimPatchError } from './errors.js';
import { isObject, jsonEqual, type JsonObject } from './json.js';
import { appendElements, listedElement, settle, type Slot } from './multiValued.js';
import type { AttributeTarget, ExtensionTarget, MembershipDelta, PatchOperation } from './types.js';

/** A resource as a SCIM client sees it: core attributes at the top, extensions under their URN. */
export type ScimResource = JsonObject;

export interface PatchResult {
  resource: ScimResource;
  /** false when the result equals the input: the caller then keeps lastModified and version.
   *  It covers attributes only: whether a membership delta changed anything is known after SQL. */
  changed: boolean;
  /** Membership deltas in request order (Group only). They commute with attribute changes. */
  membership: MembershipDelta[];
}

export interface ApplyOptions {
  /** The resource's id, when `resource` does not carry it; used to accept an echoed id. */
  id?: string;
}

/**
 * RFC 7644 §3.5.2.2: "If an attribute is removed or becomes unassigned and is defined as a
 * required attribute or a read-only attribute, the server SHALL return ... "mutability"".
 * AttributeMeta carries no `required` flag, so the required attributes are named here.
 */
const REQUIRED: Record<ResourceType, readonly string[]> = { User: ['userName'], Group: ['displayName'] };

/**
 * Attributes seatgate always holds a value for although the RFC does not require them: a user is
 * active or not, and its seat follows. Removing `active` would leave "unassigned" an attribute
 * whose absence means nothing to the seat gate, and reading it as false would let a stray remove
 * deactivate someone, so it is refused like a required attribute (docs/conformance.md).
 */
const ALWAYS_ASSIGNED: Record<ResourceType, Record<string, string>> = {
  User: { active: '"active" cannot be removed: a user is always active or not; replace it with false to deactivate' },
  Group: {},
};

export function applyPatch(type: ResourceType, resource: ScimResource, operations: readonly PatchOperation[], options: ApplyOptions = {}): PatchResult {
  const doc = structuredClone(resource);
  const membership: MembershipDelta[] = [];
  const id = options.id ?? (typeof resource.id === 'string' ? resource.id : undefined);
  for (const operation of operations) {
    if (operation.kind === 'membership') {
      membership.push(operation.delta);
      continue;
    }
    try {
      if (operation.kind === 'remove') remove(type, doc, operation.target, operation.values);
      else write(doc, operation, id);
    } catch (error) {
      if (error instanceof ScimPatchError && operation.index !== undefined) {
        throw new ScimPatchError(error.scimType, `Operations[${operation.index}]: ${error.message}`, operation.index);
      }
      throw error;
    }
  }
  return { resource: doc, changed: !jsonEqual(resource, doc), membership };
}

// ---- where an attribute lives ---------------------------------------------------------------

function holder(doc: JsonObject, target: AttributeTarget, create: boolean): JsonObject | undefined {
  if (!target.extension) return doc;
  const existing = doc[target.schema];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const created: JsonObject = {};
  doc[target.schema] = created;
  return created;
}

/** Stores `value` under the attribute's canonical name; an empty value unsets it. */
function store(doc: JsonObject, target: AttributeTarget, value: unknown): void {
  const empty = value === undefined || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
  const container = holder(doc, target, !empty);
  if (!container) return;
  if (empty) delete container[target.attribute.name];
  else container[target.attribute.name] = value;
  // An extension left with no attribute is unassigned as a whole.
  if (target.extension && Object.keys(container).length === 0) delete doc[target.schema];
}

/** Merges a complex value: given sub-attributes replace, null ones are unset, others stay. */
function mergeComplex(base: unknown, patch: JsonObject): JsonObject {
  const result: JsonObject = isObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result;
}

const stripNulls = (value: JsonObject): JsonObject => mergeComplex({}, value);

// ---- add / replace --------------------------------------------------------------------------

function checkWritable(target: AttributeTarget, current: unknown, value: unknown): void {
  const metas: AttributeMeta[] = [target.attribute, ...(target.subAttribute ? [target.subAttribute] : [])];
  if (metas.some((meta) => meta.mutability === 'readOnly')) throw mutability(`"${target.path}" is read-only`);
  // RFC 7643 §7 immutable: "The attribute MAY be defined at resource creation ... The attribute
  // SHALL NOT be updated." Setting an unset value, or the same value, is not an update.
  if (metas.some((meta) => meta.mutability === 'immutable') && current !== undefined && !jsonEqual(current, value)) {
    throw mutability(`"${target.path}" is immutable`);
  }
}

function write(doc: JsonObject, operation: Extract<PatchOperation, { kind: 'add' | 'replace' }>, id: string | undefined): void {
  const { target, value } = operation;
  const current = holder(doc, target, false)?.[target.attribute.name];
  if (target.attribute.name === 'id' && !target.extension) {
    // Okta's rename echoes the id: `{"op":"replace","value":{"id":"…","displayName":"…"}}`.
    // An unchanged id inside a no-path value is tolerated (it asks for no change); any other
    // write of id is a mutability error.
    if (operation.fromNoPath && id !== undefined && value === id) return;
    throw mutability('"id" is read-only');
  }
  checkWritable(target, current, value);
  const { attribute } = target;

  if (target.filter) return writeFiltered(doc, target, current, value);
  if (target.subAttribute) {
    // `name.givenName`: set one sub-attribute of a single-valued complex attribute.
    return store(doc, target, mergeComplex(current, { [target.subAttribute.name]: value }));
  }
  if (attribute.multiValued) {
    const incoming = (value as unknown[]).map((item) => (isObject(item) ? stripNulls(item) : item));
    // RFC 7644 §3.5.2.1 add: "If the target location specifies a multi-valued attribute, a new
    // value is added to the attribute." §3.5.2.3 replace: "If the target location is a
    // multi-valued attribute and no filter is specified, the attribute and all values are
    // replaced."
    const base = operation.kind === 'add' && Array.isArray(current) ? current : [];
    return store(doc, target, appendElements(attribute, base, incoming));
  }
  if (attribute.type === 'complex') {
    // Replace (and add) of a complex attribute, RFC 7644 §3.5.2.3: "a set of sub-attributes
    // SHALL be specified in the "value" parameter, which replaces any existing values or adds
    // where an attribute did not previously exist. Sub-attributes that are not specified in the
    // "value" parameter are left unchanged."
    return store(doc, target, mergeComplex(current, value as JsonObject));
  }
  // RFC 7644 §3.5.2.1: "If the target location specifies a single-valued attribute, the existing
  // value is replaced." — so Entra's `Add` meant as `Replace` needs nothing special.
  store(doc, target, value);
}

/**
 * `emails[type eq "work"].value` / `emails[type eq "work"]`. RFC 7644 §3.5.2.3: "If the target
 * location is a multi-valued attribute and a value selection ("valuePath") filter is specified
 * that matches one or more values of the multi-valued attribute, then all matching record values
 * SHALL be replaced." A matched element is a complex value, so it is merged like one
 * (sub-attributes not given are left unchanged) rather than losing its `type`.
 *
 * No match: the RFC says noTarget ("If the target location is a multi-valued attribute for which
 * a value selection filter ("valuePath") has been supplied and no record match was made, the
 * service provider SHALL indicate failure by returning HTTP status code 400 and a "scimType" error
 * code of "noTarget"."). Entra writes `emails[type eq "work"].value` for a user who has no work
 * email yet, for add and replace alike, and expects the element to be created: when the filter
 * only pins sub-attributes with `eq` (joined by `and`), the element it describes is created from
 * those values plus the written ones. Any other filter with no match is noTarget.
 */
function writeFiltered(doc: JsonObject, target: AttributeTarget, current: unknown, value: unknown): void {
  const { attribute } = target;
  const filter = target.filter!;
  const patch: JsonObject = target.subAttribute ? { [target.subAttribute.name]: value } : (value as JsonObject);
  const elements: unknown[] = attribute.multiValued ? (Array.isArray(current) ? current : []) : current === undefined ? [] : [current];
  const slots: Slot[] = elements.map((element) =>
    isObject(element) && matchesElement(filter, element) ? { value: mergeComplex(element, patch), touched: true } : { value: element, touched: false });
  if (!slots.some((slot) => slot.touched)) {
    const pinned = equalityValues(filter);
    if (!pinned || (!attribute.multiValued && current !== undefined)) {
      throw noTarget(`"${target.path}": no ${attribute.name} element matches the filter`);
    }
    slots.push({ value: mergeComplex(pinned, patch), touched: true });
  }
  const kept = slots.filter((slot) => !isObject(slot.value) || Object.keys(slot.value).length > 0);
  store(doc, target, attribute.multiValued ? settle(attribute, kept) : kept[0]?.value);
}

// ---- remove ---------------------------------------------------------------------------------

function removeExtension(doc: JsonObject, type: ResourceType, target: ExtensionTarget): void {
  const entry = schemasOf(type).find((schema) => schema.schema === target.schema);
  if (entry?.attributes.every((attribute) => attribute.mutability === 'readOnly')) {
    throw mutability(`"${target.path}" is read-only`);
  }
  delete doc[target.schema];
}

/**
 * RFC 7644 §3.5.2.2. One deliberate leniency: a filter that matches nothing removes nothing and
 * succeeds, where §3.12 would allow noTarget. IdPs retry removals (Okta removing a member, Entra
 * removing a manager that already changed) and count each 400 against the job; the end state is
 * the one asked for.
 */
function remove(type: ResourceType, doc: JsonObject, target: AttributeTarget | ExtensionTarget, values?: readonly unknown[]): void {
  if (target.kind === 'extension') return removeExtension(doc, type, target);
  const { attribute } = target;
  const metas: AttributeMeta[] = [attribute, ...(target.subAttribute ? [target.subAttribute] : [])];
  if (metas.some((meta) => meta.mutability === 'readOnly')) throw mutability(`"${target.path}" is read-only and cannot be removed`);
  const current = holder(doc, target, false)?.[attribute.name];

  if (values) {
    // Only the listed elements (see compile.ts); the attribute is unassigned when none is left.
    const remaining = (Array.isArray(current) ? current : []).filter((element) => !values.some((listed) => listedElement(attribute, element, listed)));
    return store(doc, target, remaining);
  }
  if (!target.filter) {
    if (target.subAttribute) {
      // "Sub-attributes whose values have been removed SHALL be considered unassigned."
      if (isObject(current)) store(doc, target, mergeComplex(current, { [target.subAttribute.name]: null }));
      return;
    }
    if (!target.extension && REQUIRED[type].includes(attribute.name)) throw mutability(`"${attribute.name}" is required and cannot be removed`);
    const kept = target.extension ? undefined : ALWAYS_ASSIGNED[type][attribute.name];
    if (kept) throw mutability(kept);
    // "If the target location is a single-value attribute, the attribute and its associated
    // value is removed, and the attribute SHALL be considered unassigned." (Same for a whole
    // multi-valued attribute.)
    return store(doc, target, undefined);
  }

  const filter = target.filter;
  const elements: unknown[] = attribute.multiValued ? (Array.isArray(current) ? current : []) : current === undefined ? [] : [current];
  const valueMeta = attribute.subAttributes.find((sub) => sub.name === 'value');
  const remaining = elements.flatMap((element) => {
    if (!isObject(element) || !matchesElement(filter, element)) return [element];
    // "... a complex filter is specified based on the attribute's sub-attributes, the matching
    // records are removed."
    if (!target.subAttribute) return [];
    const left = mergeComplex(element, { [target.subAttribute.name]: null });
    // An element left empty, or without the `value` it exists to carry, is gone too.
    if (Object.keys(left).length === 0 || (valueMeta && left.value === undefined)) return [];
    return [left];
  });
  // "If the complex multi-valued attribute has no remaining records, the attribute SHALL be
  // considered unassigned."
  store(doc, target, attribute.multiValued ? remaining : remaining[0]);
}
