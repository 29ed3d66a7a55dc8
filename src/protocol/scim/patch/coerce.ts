// Values are coerced by the attribute's declared type (RFC 7643 §2.3). Entra sends booleans as
// strings ("True", "False", "false"): they become booleans. Anything that cannot be read as the
// declared type is invalidValue. Names inside complex values are matched case-insensitively and
// stored canonical.
import type { AttributeMeta } from '../attributes.js';
import { invalidValue } from './errors.js';
import { isObject, type JsonObject } from './json.js';
import type { AttributeTarget } from './types.js';

const describe = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : isObject(value) ? 'an object' : String(value));

export function coerceScalar(meta: AttributeMeta, value: unknown, where: string): unknown {
  const wrong = () => invalidValue(`${where}: ${describe(value)} is not a valid ${meta.type}`);
  switch (meta.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      throw wrong();
    case 'integer':
    case 'decimal': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(number) || (meta.type === 'integer' && !Number.isInteger(number))) throw wrong();
      return number;
    }
    case 'dateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrong();
      return value;
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'complex':
      return coerceComplex(meta, value, where, false);
  }
}

/**
 * A complex value with canonical sub-attribute names. With `keepNulls`, a null sub-attribute is
 * kept as the marker "unset this sub-attribute" (a merge into an existing value); otherwise it is
 * dropped (a new value). Sub-attributes that are readOnly are ignored, as RFC 7644 §3.5.1 does
 * for a PUT ("readOnly ... Any values provided SHALL be ignored"): IdPs echo them (e.g.
 * manager.displayName). Unknown sub-attributes are an error unless null.
 */
export function coerceComplex(attribute: AttributeMeta, value: unknown, where: string, keepNulls: boolean): JsonObject {
  if (!isObject(value)) throw invalidValue(`${where}: ${describe(value)} is not an object with the sub-attributes of ${attribute.name}`);
  const result: JsonObject = {};
  for (const [key, raw] of Object.entries(value)) {
    const sub = attribute.subAttributes.find((candidate) => candidate.name.toLowerCase() === key.toLowerCase());
    if (!sub) {
      if (raw === null) continue;
      throw invalidValue(`${where}: "${key}" is not a sub-attribute of ${attribute.name}`);
    }
    if (sub.mutability === 'readOnly') continue;
    if (raw === null) {
      if (keepNulls) result[sub.name] = null;
      continue;
    }
    result[sub.name] = sub.multiValued ? coerceArray(sub, raw, `${where}.${sub.name}`) : coerceScalar(sub, raw, `${where}.${sub.name}`);
  }
  return result;
}

/** A multi-valued attribute's values. A single value is taken as a one-element list. */
function coerceArray(attribute: AttributeMeta, value: unknown, where: string): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .filter((item) => item !== null)
    .map((item, i) => coerceScalar({ ...attribute, multiValued: false }, item, `${where}[${i}]`))
    .filter((item) => !isObject(item) || Object.keys(item).length > 0);
}

/** Coerces an add/replace value for its target; the result is what the applier writes. */
export function coerceForTarget(target: AttributeTarget, value: unknown): unknown {
  const where = target.path;
  if (target.subAttribute) {
    const sub = target.subAttribute;
    return sub.multiValued ? coerceArray(sub, value, where) : coerceScalar(sub, value, where);
  }
  const { attribute } = target;
  if (target.filter) {
    // The value replaces (merges into) the matched element(s): one object. A one-element list
    // is accepted for it.
    const element = Array.isArray(value) && value.length === 1 ? value[0] : value;
    return coerceComplex(attribute, element, where, true);
  }
  if (attribute.multiValued) return coerceArray(attribute, value, where);
  if (attribute.type === 'complex') return coerceComplex(attribute, value, where, true);
  return coerceScalar(attribute, value, where);
}
