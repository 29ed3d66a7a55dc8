// attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9). A projection also tells storage
// whether the expensive parts (a group's members, a user's groups) are wanted at all, so that
// `excludedAttributes=members` on a 100,000-member group never loads them.
import { resolveAttribute, schemasOf, withoutSecrets, type ResourceType } from './attributes.js';
import type { JsonObject } from './representation.js';

interface Path { key: string; extension: string | undefined; sub: string | undefined }

export interface Projection {
  /** Whether the top-level attribute `name` (e.g. 'members', 'groups') appears in the result. */
  wants(name: string): boolean;
  apply(resource: JsonObject): JsonObject;
}

const ALWAYS = new Set(['id', 'schemas']);

const splitList = (text: string | undefined) =>
  (text ?? '').split(',').map((part) => part.trim()).filter((part) => part.length > 0);

function resolvePath(type: ResourceType, text: string): Path | undefined {
  const lower = text.toLowerCase();
  const extension = schemasOf(type).find((s) => s.extension && s.schema.toLowerCase() === lower);
  if (extension) return { key: extension.schema, extension: undefined, sub: undefined };
  const resolved = resolveAttribute(type, text);
  if (!resolved) return undefined; // unknown names select nothing (and exclude nothing)
  const name = resolved.attribute.name;
  const sub = resolved.subAttribute?.name;
  return resolved.extension ? { key: resolved.schema, extension: name, sub } : { key: name, extension: undefined, sub };
}

const keyOf = (object: JsonObject, name: string) => Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());

function pick(value: unknown, sub: string | undefined): unknown {
  if (sub === undefined) return value;
  const pickOne = (element: unknown) => {
    if (typeof element !== 'object' || element === null) return undefined;
    const key = keyOf(element as JsonObject, sub);
    return key === undefined ? undefined : { [key]: (element as JsonObject)[key] };
  };
  if (Array.isArray(value)) return value.map(pickOne).filter((element) => element !== undefined);
  return pickOne(value);
}

function mergeInto(target: JsonObject, key: string, value: unknown): void {
  if (value === undefined) return;
  const existing = target[key];
  if (Array.isArray(existing) && Array.isArray(value)) {
    target[key] = existing.map((element, i) => ({ ...(element as JsonObject), ...(value[i] as JsonObject) }));
  } else if (typeof existing === 'object' && existing !== null && typeof value === 'object' && value !== null) {
    target[key] = { ...(existing as JsonObject), ...(value as JsonObject) };
  } else {
    target[key] = value;
  }
}

/** Attributes returned "never" (RFC 7643 §7) are dropped from every projection, even when asked for by name. */
export function parseProjection(type: ResourceType, attributes?: string, excludedAttributes?: string): Projection {
  const projection = parseRequested(type, attributes, excludedAttributes);
  return { wants: projection.wants, apply: (resource) => projection.apply(withoutSecrets(type, resource)) };
}

function parseRequested(type: ResourceType, attributes?: string, excludedAttributes?: string): Projection {
  const included = splitList(attributes).map((p) => resolvePath(type, p)).filter((p): p is Path => p !== undefined);
  const excluded = splitList(excludedAttributes).map((p) => resolvePath(type, p)).filter((p): p is Path => p !== undefined);
  // RFC 7644 §3.4.2.5: "attributes" overrides the default list; with both given, "attributes" wins.
  if (splitList(attributes).length > 0) {
    return {
      wants: (name) => included.some((p) => p.key.toLowerCase() === name.toLowerCase() && p.extension === undefined),
      apply(resource) {
        const out: JsonObject = {};
        for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
        for (const path of included) {
          const key = keyOf(resource, path.key);
          if (key === undefined) continue;
          if (path.extension === undefined) {
            mergeInto(out, key, pick(resource[key], path.sub));
          } else {
            const container = resource[key] as JsonObject;
            const extKey = keyOf(container, path.extension);
            if (extKey === undefined) continue;
            mergeInto(out, key, { [extKey]: pick(container[extKey], path.sub) });
          }
        }
        return out;
      },
    };
  }
  return {
    wants: (name) => !excluded.some((p) => p.key.toLowerCase() === name.toLowerCase() && p.extension === undefined && p.sub === undefined),
    apply(resource) {
      if (excluded.length === 0) return resource;
      const out: JsonObject = structuredClone(resource);
      for (const path of excluded) {
        const key = keyOf(out, path.key);
        if (key === undefined || ALWAYS.has(key)) continue;
        if (path.extension === undefined && path.sub === undefined) { delete out[key]; continue; }
        const holder = path.extension === undefined ? out : (out[key] as JsonObject);
        const attrKey = path.extension === undefined ? key : keyOf(holder, path.extension);
        if (attrKey === undefined) continue;
        if (path.sub === undefined) { delete holder[attrKey]; continue; }
        const elements = Array.isArray(holder[attrKey]) ? (holder[attrKey] as JsonObject[]) : [holder[attrKey] as JsonObject];
        for (const element of elements) {
          const subKey = element && keyOf(element, path.sub);
          if (subKey !== undefined && subKey !== null) delete element[subKey];
        }
      }
      return out;
    },
  };
}
