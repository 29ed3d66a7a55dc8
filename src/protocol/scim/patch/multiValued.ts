// Multi-valued attributes: duplicates and the single primary.
import type { AttributeMeta } from '../attributes.js';
import { invalidValue } from './errors.js';
import { isObject, jsonEqual, type JsonObject } from './json.js';

/** An element and whether the current operation wrote it. */
export interface Slot { value: unknown; touched: boolean }

const sub = (attribute: AttributeMeta, name: string) => attribute.subAttributes.find((candidate) => candidate.name === name);

function sameText(a: unknown, b: unknown, caseExact: boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !caseExact) return a.toLowerCase() === b.toLowerCase();
  return jsonEqual(a, b);
}

/**
 * Two elements are the same when their (type, value) pairs are equal — `value` compared by its
 * caseExact, `type` never caseExact, a missing type equal to any — or, for attributes without a `value` (addresses), when
 * they are equal. RFC 7643 §2.4: "... duplicate values ... SHOULD NOT be returned"; a PATCH add
 * of an element already present changes nothing (RFC 7644 §3.5.2.1: "If the target location
 * already contains the value specified, no changes SHOULD be made to the resource").
 */
export function sameElement(attribute: AttributeMeta, a: unknown, b: unknown): boolean {
  if (attribute.type !== 'complex') return sameText(a, b, attribute.caseExact);
  if (!isObject(a) || !isObject(b)) return jsonEqual(a, b);
  const valueMeta = sub(attribute, 'value');
  if (valueMeta && a.value !== undefined && b.value !== undefined) {
    return sameText(a.value, b.value, valueMeta.caseExact) && sameType(a.type, b.type);
  }
  return jsonEqual(a, b);
}

/**
 * An element without a type says nothing about its type: Entra adds app roles as
 * `{"value":"Admin"}` (from a JSON string) to a user holding `{"type":…,"value":"Admin"}`, and
 * that is the same role, not a second one. Two different types are two values.
 */
function sameType(a: unknown, b: unknown): boolean {
  return a === undefined || a === null || b === undefined || b === null || sameText(a, b, false);
}

/** Collapses duplicates into their first occurrence (later sub-attributes win). */
export function dedupe(attribute: AttributeMeta, slots: Slot[]): Slot[] {
  const result: Slot[] = [];
  for (const slot of slots) {
    const same = result.find((kept) => sameElement(attribute, kept.value, slot.value));
    if (!same) { result.push({ ...slot }); continue; }
    if (isObject(same.value) && isObject(slot.value)) same.value = { ...same.value, ...slot.value };
    same.touched ||= slot.touched;
  }
  return result;
}

/**
 * RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once." An element
 * written with primary true takes it from the others (set to false); two written at once is an
 * invalidValue. Pre-existing data is left as it is when the operation sets no primary.
 */
export function enforcePrimary(attribute: AttributeMeta, slots: Slot[]): Slot[] {
  if (!sub(attribute, 'primary')) return slots;
  const isPrimary = (slot: Slot) => isObject(slot.value) && slot.value.primary === true;
  const written = slots.filter((slot) => slot.touched && isPrimary(slot));
  if (written.length > 1) throw invalidValue(`${attribute.name}: only one element may have "primary": true`);
  if (written.length === 0) return slots;
  return slots.map((slot) => (slot.touched || !isPrimary(slot) ? slot : { ...slot, value: { ...(slot.value as JsonObject), primary: false } }));
}

/** Appends `incoming` (RFC 7644 §3.5.2.1: "a new value is added to the attribute"). */
export function appendElements(attribute: AttributeMeta, existing: readonly unknown[], incoming: readonly unknown[]): unknown[] {
  const slots = [...existing.map((value) => ({ value, touched: false })), ...incoming.map((value) => ({ value, touched: true }))];
  return settle(attribute, slots);
}

export function settle(attribute: AttributeMeta, slots: Slot[]): unknown[] {
  return enforcePrimary(attribute, dedupe(attribute, slots)).map((slot) => slot.value);
}

/**
 * Whether a stored element is the one a removal lists: same `value` (by its caseExact) and, when
 * the listed element names a type, the same type; without a `value`, equal elements.
 */
export function listedElement(attribute: AttributeMeta, stored: unknown, listed: unknown): boolean {
  if (attribute.type !== 'complex' || !isObject(stored) || !isObject(listed)) return sameElement(attribute, stored, listed);
  const valueMeta = sub(attribute, 'value');
  if (!valueMeta || listed.value === undefined) return jsonEqual(stored, listed);
  return sameText(stored.value, listed.value, valueMeta.caseExact) && (listed.type === undefined || sameText(stored.type, listed.type, false));
}
