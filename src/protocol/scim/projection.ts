// attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9). A projection also tells storage
// whether the expensive parts (a group's members, a user's groups) are wanted at all, so that
// `excludedAttributes=members` on a 100,000-member group never loads them.
import { resolveAttributePath, schemasOf, withoutSecrets, type ResourceType } from './attributes.js';
import { badRequest } from './errors.js';
import { matchesElement, type ElementFilter } from './patch/elementFilter.js';
import { parsePatchPath } from './patch/path.js';
import type { JsonObject } from './representation.js';

/** `filter`: a value filter (`emails[type eq "work"]`) selecting some values of the attribute. */
interface Path { key: string; extension: string | undefined; sub: string | undefined; filter?: ElementFilter }

export interface Projection {
  /** Whether the top-level attribute `name` (e.g. 'members', 'groups') appears in the result. */
  wants(name: string): boolean;
  apply(resource: JsonObject): JsonObject;
  /** No attributes asked for or excluded: apply only removes secrets (the default answer). */
  plain: boolean;
}

const ALWAYS = new Set(['id', 'schemas']);

/** The comma-separated names, commas inside a value filter's brackets or quotes left alone. */
function splitList(text: string | undefined): string[] {
  const parts: string[] = [];
  let depth = 0, quoted = false, start = 0;
  const source = text ?? '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quoted) { if (c === '\\') i++; else if (c === '"') quoted = false; continue; }
    if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) { parts.push(source.slice(start, i)); start = i + 1; }
  }
  parts.push(source.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/**
 * `attr[filter]` or `attr[filter].sub`: RFC 7644 §3.9 names attributes only, but Microsoft's
 * collection (and some clients) select values this way; it reads like a PATCH path (§3.5.2,
 * valuePath), so it is parsed as one. An unknown attribute selects nothing, as a plain name does.
 */
function resolveFilteredPath(type: ResourceType, text: string): Path | undefined {
  if (!resolveAttributePath(type, text.slice(0, text.indexOf('[')))) return undefined;
  let target;
  try {
    target = parsePatchPath(type, text);
  } catch (error) {
    throw badRequest('invalidFilter', `attributes: ${(error as Error).message}`);
  }
  if (target.kind !== 'attribute') return undefined;
  const sub = target.subAttribute?.name;
  const filter = target.filter;
  return target.extension ? { key: target.schema, extension: target.attribute.name, sub, filter } : { key: target.attribute.name, extension: undefined, sub, filter };
}

function resolvePath(type: ResourceType, text: string): Path | undefined {
  if (text.includes('[')) return resolveFilteredPath(type, text);
  const lower = text.toLowerCase();
  const extension = schemasOf(type).find((s) => s.extension && s.schema.toLowerCase() === lower);
  if (extension) return { key: extension.schema, extension: undefined, sub: undefined };
  const resolved = resolveAttributePath(type, text);
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

const isElement = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const sameAttribute = (a: Path, b: Path) =>
  a.key.toLowerCase() === b.key.toLowerCase() && (a.extension ?? '').toLowerCase() === (b.extension ?? '').toLowerCase();

/** The value filters of the paths naming `path`'s attribute; undefined when one of them names it whole. */
function filtersFor(paths: Path[], path: Path): ElementFilter[] | undefined {
  const same = paths.filter((other) => sameAttribute(other, path));
  return same.every((other) => other.filter) ? same.map((other) => other.filter as ElementFilter) : undefined;
}

/** The values the filters select (none left: the attribute is absent). */
function selectValues(value: unknown, filters: ElementFilter[] | undefined): unknown {
  if (!filters) return value;
  const keep = (element: unknown) => isElement(element) && filters.some((filter) => matchesElement(filter, element));
  if (!Array.isArray(value)) return keep(value) ? value : undefined;
  const kept = value.filter(keep);
  return kept.length > 0 ? kept : undefined;
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
  return { wants: projection.wants, apply: (resource) => projection.apply(withoutSecrets(type, resource)), plain: projection.plain };
}

function parseRequested(type: ResourceType, attributes?: string, excludedAttributes?: string): Projection {
  const included = splitList(attributes).map((p) => resolvePath(type, p)).filter((p): p is Path => p !== undefined);
  const excluded = splitList(excludedAttributes).map((p) => resolvePath(type, p)).filter((p): p is Path => p !== undefined);
  // RFC 7644 §3.4.2.5: "attributes" overrides the default list; with both given, "attributes" wins.
  if (splitList(attributes).length > 0) {
    return {
      plain: false,
      wants: (name) => included.some((p) => p.key.toLowerCase() === name.toLowerCase() && p.extension === undefined),
      apply(resource) {
        const out: JsonObject = {};
        for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
        for (const path of included) {
          const key = keyOf(resource, path.key);
          if (key === undefined) continue;
          const filters = filtersFor(included, path);
          if (path.extension === undefined) {
            mergeInto(out, key, pick(selectValues(resource[key], filters), path.sub));
          } else {
            const container = resource[key] as JsonObject;
            const extKey = keyOf(container, path.extension);
            if (extKey === undefined) continue;
            const selected = selectValues(container[extKey], filters);
            if (selected !== undefined) mergeInto(out, key, { [extKey]: pick(selected, path.sub) });
          }
        }
        return out;
      },
    };
  }
  return {
    plain: excluded.length === 0,
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
        const { filter } = path;
        if (filter && path.sub === undefined) {
          // only the values the filter selects are excluded
          const value = holder[attrKey];
          const selected = (element: unknown) => isElement(element) && matchesElement(filter, element);
          const kept = Array.isArray(value) ? value.filter((element) => !selected(element)) : selected(value) ? [] : [value];
          if (kept.length === 0) delete holder[attrKey];
          else if (Array.isArray(value)) holder[attrKey] = kept;
          continue;
        }
        if (path.sub === undefined) { delete holder[attrKey]; continue; }
        const elements = (Array.isArray(holder[attrKey]) ? (holder[attrKey] as JsonObject[]) : [holder[attrKey] as JsonObject])
          .filter((element) => !filter || (isElement(element) && matchesElement(filter, element)));
        for (const element of elements) {
          const subKey = element && keyOf(element, path.sub);
          if (subKey !== undefined && subKey !== null) delete element[subKey];
        }
      }
      return out;
    },
  };
}
