// PATCH "path" text → target. RFC 7644 §3.5.2: PATH = attrPath / valuePath [subAttr], e.g.
// `userName`, `name.givenName`, `urn:…:enterprise:2.0:User:manager`, `members[value eq "id"]`,
// `emails[type eq "work"].value`; plus a bare extension URN naming the whole extension object.
import { resolveAttributePath, schemasOf, type ResourceType } from '../attributes.js';
import { parseElementFilter } from './elementFilter.js';
import { invalidPath } from './errors.js';
import type { AttributeTarget, PatchTarget } from './types.js';

/** Index just past the "]" that closes the "[" at `open`, skipping quoted strings. */
function closingBracket(text: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ']') return i;
  }
  throw invalidPath(`"${text}": the "[" has no closing "]"`);
}

export function parsePatchPath(type: ResourceType, text: string): PatchTarget {
  const path = text.trim();
  if (path === '') throw invalidPath('the path is empty');
  const schema = schemasOf(type).find((entry) => entry.schema.toLowerCase() === path.toLowerCase());
  if (schema) {
    if (!schema.extension) throw invalidPath(`"${text}" names the core schema, not an attribute`);
    return { kind: 'extension', path: text, schema: schema.schema };
  }

  const open = path.indexOf('[');
  const attrPath = open < 0 ? path : path.slice(0, open);
  // Entra removes a manager with the unqualified `manager[value eq "…"]`: resolved in the one
  // extension that defines it.
  const resolved = resolveAttributePath(type, attrPath);
  if (!resolved) throw invalidPath(`"${text}": no attribute "${attrPath}" in a ${type}`);
  const target: AttributeTarget = {
    kind: 'attribute', path: text, schema: resolved.schema, extension: resolved.extension, attribute: resolved.attribute,
  };
  if (resolved.subAttribute) target.subAttribute = resolved.subAttribute;
  if (open >= 0) {
    if (resolved.subAttribute) throw invalidPath(`"${text}": a value filter must follow a complex attribute, not a sub-attribute`);
    if (resolved.attribute.type !== 'complex') throw invalidPath(`"${text}": ${resolved.attribute.name} is not complex and cannot take a value filter`);
    const close = closingBracket(path, open);
    target.filter = parseElementFilter(resolved.attribute, path.slice(open + 1, close));
    const rest = path.slice(close + 1);
    if (rest !== '') {
      const name = rest.startsWith('.') ? rest.slice(1).toLowerCase() : undefined;
      const sub = resolved.attribute.subAttributes.find((candidate) => candidate.name.toLowerCase() === name);
      if (!sub) throw invalidPath(`"${text}": "${rest}" is not a sub-attribute of ${resolved.attribute.name}`);
      target.subAttribute = sub;
    }
  }
  if (target.subAttribute && target.attribute.multiValued && !target.filter) {
    // `emails.value` would address every element at once; RFC 7644 §3.5.2 addresses elements of
    // a multi-valued attribute through a value filter, so we ask for one.
    throw invalidPath(`"${text}": address elements of ${target.attribute.name} with a value filter, e.g. ${target.attribute.name}[type eq "work"].${target.subAttribute.name}`);
  }
  return target;
}

/** The target of `path`, or undefined when it does not parse (the compiler reports that). */
export function tryParsePatchPath(type: ResourceType, path: string | undefined): PatchTarget | undefined {
  if (path === undefined) return undefined;
  try {
    return parsePatchPath(type, path);
  } catch {
    return undefined;
  }
}
