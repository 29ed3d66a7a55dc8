// List queries (RFC 7644 §3.4.2, §3.4.3) and cursor pagination (RFC 9865), from a query string
// or a .search body. Unknown parameters are ignored; malformed known ones are a 400.
import { ScimError, type ScimType } from './errors.js';

export const MAX_RESULTS = 1000;
export const DEFAULT_COUNT = 100;
/**
 * The largest startIndex honoured; larger ones are read as this one (an empty page: no
 * organization holds 2^31 resources). RFC 7644 §3.4.2.4 sets no bound, but IdP clients read
 * paging numbers as 32-bit integers, and a value past PostgreSQL's bigint OFFSET is an error.
 */
export const MAX_START_INDEX = 2_147_483_647;

export interface ListQuery {
  filter: string | undefined;
  sortBy: string | undefined;
  descending: boolean;
  attributes: string | undefined;
  excludedAttributes: string | undefined;
  count: number;
  /** Index paging (1-based). */
  startIndex: number;
  /** Cursor paging: '' asks for the first page. undefined: index paging. */
  cursor: string | undefined;
}

const bad = (message: string, scimType: ScimType = 'invalidValue') => new ScimError(400, message, scimType);

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) throw bad(`"${name}" was given more than once.`);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw bad(`"${name}" must be a string.`);
  return value;
}

/** An integer, however large (digits beyond any integer type become ±Infinity; callers clamp). */
function integer(value: unknown, name: string): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw bad(`"${name}" must be an integer, not ${value}.`);
    return value;
  }
  const raw = text(value, name);
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw bad(`"${name}" must be an integer, not "${raw.slice(0, 40)}".`);
  return Number(raw.trim());
}

/** Reads a list query from query-string parameters or a SearchRequest body (names as in the RFC). */
export function parseListQuery(params: Record<string, unknown>): ListQuery {
  // Parameter names are case-insensitive in practice (IdPs send `startindex`, `Count`…).
  const lower = new Map(Object.entries(params).map(([key, value]) => [key.toLowerCase(), value]));
  const get = (name: string) => lower.get(name.toLowerCase());
  const sortOrder = text(get('sortOrder'), 'sortOrder');
  if (sortOrder !== undefined && !['ascending', 'descending'].includes(sortOrder.toLowerCase())) {
    throw bad('"sortOrder" must be "ascending" or "descending".');
  }
  const attributesValue = get('attributes');
  const excludedValue = get('excludedAttributes');
  const cursor = text(get('cursor'), 'cursor');
  const startIndex = integer(get('startIndex'), 'startIndex');
  if (cursor !== undefined && startIndex !== undefined) {
    throw bad('Use either "cursor" or "startIndex", not both (RFC 9865).');
  }
  const count = integer(get('count'), 'count');
  const filter = text(get('filter'), 'filter');
  return {
    filter: filter === undefined || filter.trim() === '' ? undefined : filter,
    sortBy: text(get('sortBy'), 'sortBy') || undefined,
    descending: sortOrder?.toLowerCase() === 'descending',
    attributes: Array.isArray(attributesValue) ? attributesValue.join(',') : text(attributesValue, 'attributes'),
    excludedAttributes: Array.isArray(excludedValue) ? excludedValue.join(',') : text(excludedValue, 'excludedAttributes'),
    // RFC 7644 §3.4.2.4: a negative count is 0; the server may return fewer than asked.
    count: Math.min(Math.max(count ?? DEFAULT_COUNT, 0), MAX_RESULTS),
    // "A value less than 1 SHALL be interpreted as 1."
    startIndex: Math.min(Math.max(startIndex ?? 1, 1), MAX_START_INDEX),
    cursor,
  };
}

/**
 * Cursors walk in primary-key order: exact (no timestamp precision to lose), indexed, and stable
 * under concurrent inserts and deletes. They are opaque to clients: base64url of the last id.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

/** The id to continue after; undefined for the first page (an empty cursor). */
export function decodeCursor(cursor: string): string | undefined {
  if (cursor === '') return undefined;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    const id = text.startsWith('v1:') ? text.slice(3) : '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new Error('bad');
    return id;
  } catch {
    // RFC 9865 §5: "invalidCursor … the cursor value is invalid".
    throw new ScimError(400, 'The cursor is not one this server issued.', 'invalidCursor' as ScimType);
  }
}

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
