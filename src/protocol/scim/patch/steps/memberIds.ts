// Reading member ids out of the shapes IdPs send.
import type { ElementFilter } from '../elementFilter.js';
import { invalidFilter, invalidValue } from '../errors.js';
import { getIgnoringCase, isObject } from '../json.js';

/**
 * `[{"value":"id","$ref":null,"display":"…"}]`, one such object, or a plain id string (the
 * Microsoft suite's "Group patch add member" sends `"value": "string id 1"`). Only `value`
 * matters: `$ref` is derived from it and `display` is the member's own name.
 */
export function memberIds(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  const ids = items.map((item) => {
    const id = isObject(item) ? getIgnoringCase(item, 'value')?.value : item;
    if (typeof id !== 'string' || id.trim() === '') {
      throw invalidValue(`a member must be {"value":"<id>"} or an id string, not ${JSON.stringify(item)}`);
    }
    return id;
  });
  return [...new Set(ids)];
}

/** The ids of `members[value eq "a"]` or `members[value eq "a" or value eq "b"]`. */
export function filterIds(filter: ElementFilter): string[] {
  if (filter.kind === 'or') return [...new Set(filter.filters.flatMap(filterIds))];
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.sub.name === 'value' && filter.value.type === 'string') {
    return [filter.value.value];
  }
  throw invalidFilter('a members filter can only select members by id: members[value eq "<id>"] (joined by "or")');
}
