// How seatgate's rows look as SCIM resources, and how SCIM request bodies become rows.
//
// A POST/PUT body is turned into a canonical resource by the PATCH engine itself — a no-path
// "replace" onto an empty resource — so that type coercion ("True" → true), canonical attribute
// names, one primary per multi-valued attribute and null handling are written once.
import {
  CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, SEATGATE_USER_SCHEMA,
  mayHoldSecrets, resolveAttribute, schemasOf, secretAttributeKeys, withoutSecrets, type AttributeMeta, type ResourceType,
} from './attributes.js';
import { applyPatch, normalizePatchRequest, PATCH_OP_SCHEMA } from './patch/index.js';
import { badRequest } from './errors.js';

export type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The columns a user's SCIM attributes are split into; everything else stays in `attributes`. */
export interface UserFields {
  userName: string;
  externalId: string | null;
  active: boolean | undefined; // undefined: not sent (a PUT keeps the current value)
  attributes: JsonObject;
}

export interface GroupFields {
  displayName: string;
  externalId: string | null;
  attributes: JsonObject;
  /** Member ids, when the body carries `members` (undefined: not sent). */
  memberIds: string[] | undefined;
}

export interface UserView {
  id: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  attributes: JsonObject;
  seatState: string;
  seatType: string | null;
  seatReason: JsonObject;
  pendingSince: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  groups?: { id: string; displayName: string }[];
}

export interface GroupView {
  id: string;
  displayName: string;
  externalId: string | null;
  attributes: JsonObject;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  members?: { id: string; userName: string }[];
}

export const etagOf = (version: number) => `W/"${version}"`;

/**
 * Attributes the server manages (RFC 7643 §2.2 "readOnly") and secret ones (returned "never",
 * writeOnly: `password`), ignored in POST/PUT bodies.
 */
const SERVER_MANAGED: Record<ResourceType, string[]> = {
  User: ['id', 'meta', 'schemas', 'groups', SEATGATE_USER_SCHEMA.toLowerCase(), ...secretAttributeKeys('User')],
  Group: ['id', 'meta', 'schemas', 'members', ...secretAttributeKeys('Group')],
};

/**
 * Splits a body into what the PATCH engine understands (known attributes, known extensions)
 * and custom extension objects under URNs we do not define (Entra's
 * `urn:ietf:params:scim:schemas:extension:<Name>:2.0:User`), which are stored as sent.
 * Unknown attributes are ignored, at any depth; nulls mean "absent".
 */
function splitBody(type: ResourceType, body: JsonObject): { known: JsonObject; custom: JsonObject } {
  const known: JsonObject = {};
  const custom: JsonObject = {};
  const managed = SERVER_MANAGED[type];
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (value === null || managed.includes(lower)) continue;
    const extension = schemasOf(type).find((entry) => entry.extension && entry.schema.toLowerCase() === lower);
    const resolved = extension ? undefined : resolveAttribute(type, key);
    if (extension) known[key] = isObject(value) ? withoutUnknown(extension.attributes, value) : value;
    else if (resolved) known[key] = resolved.subAttribute ? value : withoutUnknownSubAttributes(resolved.attribute, value);
    else if (lower.startsWith('urn:') && isObject(value)) custom[key] = stripNulls(value);
  }
  return { known, custom };
}

/**
 * Unknown names are ignored at every level of a body, as at the top (RFC 7644 §3.3 leaves it to
 * the server; Okta and Entra send attributes an app does not define): inside a known extension
 * object and inside complex values. Without this the PATCH engine that canonicalizes the body
 * would report them as a PATCH path error.
 */
function withoutUnknown(attributes: readonly AttributeMeta[], object: JsonObject): JsonObject {
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const attribute = attributes.find((candidate) => candidate.name.toLowerCase() === key.toLowerCase());
    if (attribute) kept[key] = withoutUnknownSubAttributes(attribute, value);
  }
  return kept;
}

function withoutUnknownSubAttributes(attribute: AttributeMeta, value: unknown): unknown {
  if (attribute.type !== 'complex') return value;
  const prune = (element: unknown) => (isObject(element) ? withoutUnknown(attribute.subAttributes, element) : element);
  return Array.isArray(value) ? value.map(prune) : prune(value);
}

function stripNulls(value: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

function requireSchemas(type: ResourceType, body: unknown): JsonObject {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'The request body must be a JSON object.');
  const core = type === 'User' ? CORE_USER_SCHEMA : CORE_GROUP_SCHEMA;
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === core.toLowerCase())) {
    throw badRequest('invalidSyntax', `"schemas" must list ${core}.`);
  }
  return body;
}

/** The canonical attributes of a body, through the PATCH engine. */
function canonical(type: ResourceType, known: JsonObject): JsonObject {
  if (Object.keys(known).length === 0) return {};
  const operations = normalizePatchRequest(type, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: known }] });
  return applyPatch(type, {}, operations).resource;
}

/**
 * The longest userName, group displayName and externalId: the database's CHECK on the names, and
 * for every indexed text (externalId, name.givenName, name.familyName) what a btree index entry
 * holds (2,704 bytes; 512 characters are at most 2,048 bytes of UTF-8).
 */
export const MAX_NAME_LENGTH = 512;

/**
 * `stored`: the value the resource holds now. A value kept as it is passes, so that a resource
 * stored before a limit existed can still be changed (deactivated, above all).
 */
function checkLength(value: string, name: string, stored?: unknown): string {
  if (value.length > MAX_NAME_LENGTH && value !== stored) {
    throw badRequest('invalidValue', `"${name}" is ${value.length} characters long; at most ${MAX_NAME_LENGTH} are accepted.`);
  }
  return value;
}

function optionalString(value: unknown, name: string, stored?: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badRequest('invalidValue', `"${name}" must be a string.`);
  return checkLength(value, name, stored);
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest('invalidValue', `"${name}" is required and must be a non-empty string.`);
  return checkLength(value, name);
}

/** Attributes read by expression indexes (migration 0004) are held to the same length. */
function checkIndexedAttributes(attributes: JsonObject, stored: JsonObject): void {
  const name = attributes.name;
  if (!isObject(name)) return;
  const storedName = isObject(stored.name) ? stored.name : {};
  for (const key of ['givenName', 'familyName']) {
    const value = name[key];
    if (value !== undefined && value !== null) {
      if (typeof value !== 'string') throw badRequest('invalidValue', `"name.${key}" must be a string.`);
      checkLength(value, `name.${key}`, storedName[key]);
    }
  }
}

/** `stored`: the resource's current PATCH document, when it exists (a PUT). */
export function userFieldsFromBody(body: unknown, stored: JsonObject = {}): UserFields {
  const { known, custom } = splitBody('User', requireSchemas('User', body));
  return userFieldsFromResource({ ...canonical('User', known), ...custom }, stored);
}

/**
 * Splits a canonical user resource into columns and the attributes document. Every write (POST,
 * PUT, each PATCH form, Bulk) reaches members.attributes through here, so secret attributes
 * (`password`) are dropped here: never stored.
 */
export function userFieldsFromResource(resource: JsonObject, stored: JsonObject = {}): UserFields {
  const { userName, externalId, active, id: _id, meta: _meta, schemas: _schemas, groups: _groups, ...attributes } = withoutSecrets('User', resource);
  delete attributes[SEATGATE_USER_SCHEMA];
  if (active !== undefined && typeof active !== 'boolean') throw badRequest('invalidValue', '"active" must be a boolean.');
  checkIndexedAttributes(attributes, stored);
  return { userName: requiredString(userName, 'userName'), externalId: optionalString(externalId, 'externalId', stored.externalId), active, attributes };
}

export function groupFieldsFromBody(body: unknown, stored: JsonObject = {}): GroupFields {
  const checked = requireSchemas('Group', body);
  const { known, custom } = splitBody('Group', checked);
  const fields = groupFieldsFromResource({ ...canonical('Group', known), ...custom }, stored);
  return { ...fields, memberIds: checked.members === undefined || checked.members === null ? undefined : memberIdsOf(checked.members) };
}

export function groupFieldsFromResource(resource: JsonObject, stored: JsonObject = {}): Omit<GroupFields, 'memberIds'> {
  const { displayName, externalId, id: _id, meta: _meta, schemas: _schemas, members: _members, ...attributes } = withoutSecrets('Group', resource);
  return { displayName: requiredString(displayName, 'displayName'), externalId: optionalString(externalId, 'externalId', stored.externalId), attributes };
}

function memberIdsOf(members: unknown): string[] {
  if (!Array.isArray(members)) throw badRequest('invalidValue', '"members" must be an array.');
  return members.map((member, i) => {
    const value = isObject(member) ? member.value : undefined;
    if (typeof value !== 'string' || value === '') throw badRequest('invalidValue', `members[${i}].value must be a member id.`);
    return value;
  });
}

/** The attributes a PATCH works on: the resource without id, meta and server-managed parts. */
export function userPatchDocument(view: UserView): JsonObject {
  return {
    userName: view.userName,
    ...(view.externalId !== null ? { externalId: view.externalId } : {}),
    active: view.active,
    ...view.attributes,
  };
}

export function groupPatchDocument(view: GroupView): JsonObject {
  return { displayName: view.displayName, ...(view.externalId !== null ? { externalId: view.externalId } : {}), ...view.attributes };
}

function seatReasonText(view: UserView): string {
  const kind = view.seatReason.kind;
  switch (view.seatState) {
    case 'assigned':
      return kind === 'mapping' ? 'assigned by a group mapping'
        : kind === 'fallback' ? 'assigned a lower seat type: the mapped type was full'
          : kind === 'admin' ? 'assigned by an admin'
            : 'assigned the highest seat type with a free seat';
    case 'pending':
      return `waiting for a free seat since ${view.pendingSince?.toISOString() ?? 'creation'}`;
    case 'unassigned':
      return 'an admin took the seat away';
    default:
      return 'deactivated by the identity provider';
  }
}

/**
 * The enterprise extension as returned: `manager` is stored as `{"value": id}` and its `$ref`
 * (RFC 7643 §4.3: readWrite, returned by default) is the manager's location, derived here so that
 * it follows the base URL clients use. Undefined when there is no manager id to refer to.
 */
function withManagerRef(enterprise: unknown, baseUrl: string): JsonObject | undefined {
  if (!isObject(enterprise) || !isObject(enterprise.manager)) return undefined;
  const id = enterprise.manager.value;
  if (typeof id !== 'string' || id === '') return undefined;
  return { ...enterprise, manager: { ...enterprise.manager, $ref: `${baseUrl}/Users/${id}` } };
}

const ENTERPRISE_KEY = ENTERPRISE_USER_SCHEMA.toLowerCase();

/** Whether a stored attribute key is an extension's URN (its schema is then listed). */
const isUrnKey = (key: string) => key.length > 3 && (key.charCodeAt(0) | 0x20) === 0x75 && key.slice(0, 4).toLowerCase() === 'urn:';

/**
 * The SCIM User. Built by assignment in one pass over the stored attributes (a list page renders
 * 100 of them; object spreads and per-key lower-casing were most of its cost, decision 0021);
 * the key order is what the spreads gave: schemas, id, externalId, userName, active, the stored
 * attributes in their order, the seatgate extension, meta, groups.
 */
export function userResource(view: UserView, baseUrl: string): JsonObject {
  const attributes = view.attributes;
  const schemas = [CORE_USER_SCHEMA];
  const resource: JsonObject = { schemas, id: view.id };
  if (view.externalId !== null) resource.externalId = view.externalId;
  resource.userName = view.userName;
  resource.active = view.active;
  let enterpriseKey: string | undefined;
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    resource[key] = attributes[key];
    if (isUrnKey(key)) {
      schemas.push(key);
      if (enterpriseKey === undefined && key.toLowerCase() === ENTERPRISE_KEY) enterpriseKey = key;
    }
  }
  schemas.push(SEATGATE_USER_SCHEMA);
  if (enterpriseKey !== undefined) {
    const enterprise = withManagerRef(attributes[enterpriseKey], baseUrl);
    if (enterprise) resource[enterpriseKey] = enterprise;
  }
  const seat: JsonObject = {};
  if (view.seatType) seat.seatType = view.seatType;
  seat.seatState = view.seatState;
  seat.seatReason = seatReasonText(view);
  resource[SEATGATE_USER_SCHEMA] = seat;
  resource.meta = {
    resourceType: 'User',
    created: view.createdAt.toISOString(),
    lastModified: view.updatedAt.toISOString(),
    location: `${baseUrl}/Users/${view.id}`,
    version: etagOf(view.version),
  };
  if (view.groups) {
    const groups = new Array<JsonObject>(view.groups.length);
    for (let i = 0; i < groups.length; i++) {
      const g = view.groups[i]!;
      groups[i] = { value: g.id, display: g.displayName, $ref: `${baseUrl}/Groups/${g.id}`, type: 'direct' };
    }
    resource.groups = groups;
  }
  return resource;
}

// ---------------------------------------------------------------------------------------------
// A listed user written as JSON text directly (decision 0027). A list page of 100 users spent
// most of its server time parsing each stored attributes document (JSON.parse in pg), copying it
// into a resource, copying that again (withoutSecrets), then JSON.stringify of it all. A listed
// user keeps its document as PostgreSQL's jsonb text, and userJson writes the resource from it:
// the text only loses the blank PostgreSQL puts after ':' and ',' — exactly what
// JSON.stringify(JSON.parse(text)) gives (same escapes: both escape '"', '\\', \b \f \n \r \t
// and other control characters as \u00xx). Anything whose output would not be that plain
// copy — a number (JSON.parse may round it), an integer-like key (JS objects put those first), a
// key the resource itself defines, a secret, the enterprise manager (its $ref is derived) —
// takes the general path for that user: JSON.stringify(withoutSecrets(userResource(…))).

const ATTRIBUTES_TEXT = Symbol('attributes as PostgreSQL wrote them');
const CREATED_ISO = Symbol('created, ISO text');
const UPDATED_ISO = Symbol('lastModified, ISO text');
type StoredText = { [ATTRIBUTES_TEXT]?: () => string | undefined; [CREATED_ISO]?: () => string; [UPDATED_ISO]?: () => string };

/**
 * How a listed user's timestamps, kept as PostgreSQL's timestamptz text, become what the view
 * shows (storage gives it: the pool's parser): the Date, and the ISO text that Date's
 * toISOString() gives, written from the text (undefined: ask the Date). Decision 0038.
 */
export interface StoredTimes { date(text: string): Date; iso(text: string): string | undefined }

/**
 * A listed user whose `attributes` is PostgreSQL's jsonb text until something reads it (then it
 * is parsed once). The text is used to write the user only while no one has read `attributes`,
 * so no one can have changed it. A class, because an object literal with an accessor costs
 * ≈ 1 µs to create (100 per page); its `attributes` lives on the prototype, so a copy must name
 * it (`{ ...view, attributes: view.attributes }`): a bare spread would leave it out.
 * `createdAt` and `updatedAt` are plain Dates; their ISO text is written from PostgreSQL's text
 * while they still hold the time they were read with (decision 0038: toISOString was most of what
 * a page's timestamps cost).
 */
class ListedUserView implements UserView {
  id: string; userName: string; externalId: string | null; active: boolean; seatState: string; seatType: string | null;
  seatReason: JsonObject; pendingSince: Date | null; version: number; createdAt: Date; updatedAt: Date;
  groups?: { id: string; displayName: string }[];
  #text: string;
  #parsed: JsonObject | undefined = undefined;
  #createdText: string; #createdTime: number;
  #updatedText: string; #updatedTime: number;
  #times: StoredTimes;

  constructor(view: ListedColumns, text: string, times: StoredTimes) {
    this.id = view.id; this.userName = view.userName; this.externalId = view.externalId; this.active = view.active;
    this.seatState = view.seatState; this.seatType = view.seatType; this.seatReason = view.seatReason;
    this.pendingSince = view.pendingSince; this.version = view.version;
    if (view.groups) this.groups = view.groups;
    this.#text = text;
    this.#times = times;
    this.#createdText = view.createdAt; this.createdAt = times.date(view.createdAt); this.#createdTime = this.createdAt.getTime();
    this.#updatedText = view.updatedAt; this.updatedAt = times.date(view.updatedAt); this.#updatedTime = this.updatedAt.getTime();
  }

  get attributes(): JsonObject { return this.#parsed ??= JSON.parse(this.#text) as JsonObject; }
  set attributes(value: JsonObject) { this.#parsed = value; }
  [ATTRIBUTES_TEXT](): string | undefined { return this.#parsed === undefined ? this.#text : undefined; }
  // The ISO text is a function of the time alone: a Date replaced or changed in place to another time is asked.
  [CREATED_ISO](): string { return (this.createdAt.getTime() === this.#createdTime ? this.#times.iso(this.#createdText) : undefined) ?? this.createdAt.toISOString(); }
  [UPDATED_ISO](): string { return (this.updatedAt.getTime() === this.#updatedTime ? this.#times.iso(this.#updatedText) : undefined) ?? this.updatedAt.toISOString(); }
}

/** A listed user's columns, its timestamps as PostgreSQL's text. */
export type ListedColumns = Omit<UserView, 'attributes' | 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

/**
 * A listed user from its columns and its stored attributes (text: see ListedUserView). A
 * statement past database.ts's bound of marked texts comes back parsed (`stored` an object and
 * the timestamps Dates): a plain view then.
 */
export function withStoredAttributes(view: ListedColumns | UserView, stored: string | JsonObject, times: StoredTimes): UserView {
  if (typeof stored === 'string' && typeof view.createdAt === 'string') return new ListedUserView(view as ListedColumns, stored, times);
  const date = (value: string | Date) => (typeof value === 'string' ? times.date(value) : value);
  return { ...view, attributes: typeof stored === 'string' ? JSON.parse(stored) as JsonObject : stored, createdAt: date(view.createdAt), updatedAt: date(view.updatedAt) };
}

/** Keys a stored document must not hold for its plain copy to be right (the resource's own). */
const RESOURCE_KEYS = new Set(['schemas', 'id', 'externalId', 'userName', 'active', 'meta', 'groups', SEATGATE_USER_SCHEMA, '__proto__']);

const isIndexKey = (text: string, from: number, to: number) => {
  for (let i = from; i < to; i++) { const c = text.charCodeAt(i); if (c < 48 || c > 57) return false; }
  return to > from;
};

/**
 * The members of a jsonb object's text as JSON.stringify(JSON.parse(text)) writes them (without
 * the braces), with the top-level keys; undefined when the text holds anything the plain copy
 * would not reproduce (see above), or is not an object.
 */
export function storedObjectJson(text: string): { members: string; keys: string[] } | undefined {
  const n = text.length;
  if (n < 2 || text.charCodeAt(0) !== 123 || text.charCodeAt(n - 1) !== 125) return undefined;
  const keys: string[] = [];
  let out = '', from = 1, at = 1, depth = 1;
  while (at < n - 1) {
    const quote = text.indexOf('"', at);
    const end = quote < 0 ? n - 1 : quote;
    // Between strings: braces, brackets, ':', ',', the blank after them, true/false/null.
    for (let i = at; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) { out += text.slice(from, i); from = i + 1; }
      else if (c === 123 || c === 91) depth += 1;
      else if (c === 125 || c === 93) depth -= 1;
      else if (c !== 58 && c !== 44 && !(c >= 97 && c <= 122)) return undefined; // a number (or anything else)
    }
    if (quote < 0) break;
    let close = quote + 1, escaped = false;
    for (;;) {
      const next = text.indexOf('"', close);
      if (next < 0) return undefined;
      let backslashes = 0;
      for (let b = next - 1; text.charCodeAt(b) === 92; b--) backslashes += 1;
      if (backslashes > 0) escaped = true;
      if ((backslashes & 1) === 0) { close = next; break; }
      close = next + 1;
    }
    if (text.charCodeAt(close + 1) === 58) { // a key
      if (isIndexKey(text, quote + 1, close)) return undefined;
      if (depth === 1) {
        if (escaped) return undefined;
        keys.push(text.slice(quote + 1, close));
      }
    } else if (escaped && text.slice(quote + 1, close).includes('\\u')) {
      // \u escapes: PostgreSQL writes only control characters so, as JSON.stringify does; a
      // lower-case check keeps the two spellings equal.
      if (text.slice(quote + 1, close).match(/\\u(?![0-9a-f]{4})/)) return undefined;
    }
    at = close + 1;
  }
  if (depth !== 1) return undefined;
  return { members: out + text.slice(from, n - 1), keys };
}

/**
 * The user as JSON text: exactly JSON.stringify of what a list answer held for it before
 * (withoutSecrets(userResource(view, baseUrl)), the default projection). Written from the stored
 * text when the view has it and it is plain (storedObjectJson), else through the objects.
 */
export function userJson(view: UserView, baseUrl: string): string {
  const text = (view as StoredText)[ATTRIBUTES_TEXT]?.();
  const stored = text === undefined ? undefined : storedObjectJson(text);
  if (stored === undefined || !plainKeys(stored.keys, text!)) return JSON.stringify(withoutSecrets('User', userResource(view, baseUrl)));
  let schemas = `["${CORE_USER_SCHEMA}"`;
  for (const key of stored.keys) if (isUrnKey(key)) schemas += `,${JSON.stringify(key)}`;
  schemas += `,"${SEATGATE_USER_SCHEMA}"]`;
  // The id is a uuid and the version an integer: their JSON is their text in quotes (the
  // location's base is escaped once per base URL). Decision 0034.
  const id = PLAIN_ID.test(view.id) ? view.id : undefined;
  let json = `{"schemas":${schemas},"id":${id === undefined ? JSON.stringify(view.id) : `"${id}"`}`;
  if (view.externalId !== null) json += `,"externalId":${JSON.stringify(view.externalId)}`;
  json += `,"userName":${JSON.stringify(view.userName)},"active":${view.active ? 'true' : 'false'}`;
  if (stored.members.length > 0) json += `,${stored.members}`;
  json += `,"${SEATGATE_USER_SCHEMA}":{${view.seatType ? `"seatType":${JSON.stringify(view.seatType)},` : ''}`
    + `"seatState":${JSON.stringify(view.seatState)},"seatReason":${JSON.stringify(seatReasonText(view))}}`;
  const created = (view as StoredText)[CREATED_ISO]?.() ?? view.createdAt.toISOString();
  const updated = (view as StoredText)[UPDATED_ISO]?.() ?? view.updatedAt.toISOString();
  json += `,"meta":{"resourceType":"User","created":"${created}","lastModified":"${updated}",`
    + `"location":${id === undefined ? JSON.stringify(`${baseUrl}/Users/${view.id}`) : `${baseJson(baseUrl)}/Users/${id}"`}`
    + `,"version":${Number.isSafeInteger(view.version) ? `"W/\\"${view.version}\\""` : JSON.stringify(etagOf(view.version))}}`;
  if (view.groups) {
    json += ',"groups":[';
    for (let i = 0; i < view.groups.length; i++) {
      const g = view.groups[i]!;
      json += `${i > 0 ? ',' : ''}{"value":${JSON.stringify(g.id)},"display":${JSON.stringify(g.displayName)},`
        + `"$ref":${JSON.stringify(`${baseUrl}/Groups/${g.id}`)},"type":"direct"}`;
    }
    json += ']';
  }
  return `${json}}`;
}

const PLAIN_ID = /^[0-9a-f-]+$/;
let lastBase = '', lastBaseJson = '"';
/** JSON.stringify(baseUrl) without its closing quote (the page's users share one base URL). */
function baseJson(baseUrl: string): string {
  if (baseUrl !== lastBase) { lastBase = baseUrl; lastBaseJson = JSON.stringify(baseUrl).slice(0, -1); }
  return lastBaseJson;
}

/** Whether the stored document's top-level keys let it be copied as it is (see above). */
function plainKeys(keys: string[], text: string): boolean {
  for (const key of keys) {
    if (RESOURCE_KEYS.has(key) || mayHoldSecrets('User', key)) return false;
    if (isUrnKey(key) && key.toLowerCase() === ENTERPRISE_KEY && text.includes('"manager"')) return false;
  }
  return true;
}

export function groupResource(view: GroupView, baseUrl: string): JsonObject {
  const extensionSchemas = Object.keys(view.attributes).filter((key) => key.toLowerCase().startsWith('urn:'));
  const resource: JsonObject = {
    schemas: [CORE_GROUP_SCHEMA, ...extensionSchemas],
    id: view.id,
    ...(view.externalId !== null ? { externalId: view.externalId } : {}),
    displayName: view.displayName,
    ...view.attributes,
    meta: {
      resourceType: 'Group',
      created: view.createdAt.toISOString(),
      lastModified: view.updatedAt.toISOString(),
      location: `${baseUrl}/Groups/${view.id}`,
      version: etagOf(view.version),
    },
  };
  if (view.members) resource.members = view.members.map((m) => groupMemberEntry(m, baseUrl));
  return resource;
}

/** One element of a group's `members` (also written page by page for a big group). */
export const groupMemberEntry = (m: { id: string; userName: string }, baseUrl: string): JsonObject =>
  ({ value: m.id, display: m.userName, $ref: `${baseUrl}/Users/${m.id}`, type: 'User' });

