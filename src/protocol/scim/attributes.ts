// The SCIM attribute catalog: one read-only description of every attribute of the User and Group
// resource types, built once from scimmy's schema definitions plus seatgate's own extension.
// Filters, sorting and PATCH resolve attribute paths here, so that "unknown attribute" means the
// same thing everywhere and no module keeps its own list of names.
import SCIMMY from 'scimmy';

export type ResourceType = 'User' | 'Group';

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SEATGATE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:seatgate:2.0:User';

export interface AttributeMeta {
  schema: string;   // URN of the defining schema
  name: string;     // canonical name, e.g. 'givenName'
  type: 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
  multiValued: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes: AttributeMeta[];   // [] unless complex
  canonicalValues: string[];        // [] when none
}

export interface ResolvedAttribute {
  schema: string;          // URN of the schema the attribute belongs to
  extension: boolean;      // true when it lives under its schema-URN key in the resource JSON
  attribute: AttributeMeta;       // the top-level attribute
  subAttribute?: AttributeMeta;   // set when the path names a sub-attribute
}

export interface SchemaEntry {
  schema: string;
  extension: boolean;
  required: boolean;
  attributes: AttributeMeta[];
}

/**
 * seatgate's User extension: the seat the gate gave the member. Every attribute is read-only —
 * only the gate (or an admin) changes a seat, never an IdP. The SCIM server attaches it with
 * `SCIMMY.Resources.User.extend(SeatgateUserSchema, false)`; this module registers nothing.
 */
export const SeatgateUserSchema = new SCIMMY.Types.SchemaDefinition(
  'SeatgateUser',
  SEATGATE_USER_SCHEMA,
  'The seat the member holds in seatgate',
  [
    new SCIMMY.Types.Attribute('string', 'seatType', {
      mutable: false, caseExact: false, description: 'The seat type the member holds, if any.',
    }),
    new SCIMMY.Types.Attribute('string', 'seatState', {
      mutable: false, caseExact: false, canonicalValues: ['assigned', 'unassigned', 'pending', 'inactive'],
      description: 'Whether the member holds a seat: assigned, unassigned, pending or inactive.',
    }),
    new SCIMMY.Types.Attribute('string', 'seatReason', {
      mutable: false, caseExact: false, description: 'A human-readable reason for the seat state.',
    }),
  ],
);

type ScimmyAttribute = InstanceType<typeof SCIMMY.Types.Attribute>;

function mutabilityOf(mutable: unknown): AttributeMeta['mutability'] {
  if (mutable === true) return 'readWrite';
  if (mutable === false) return 'readOnly';
  if (mutable === 'immutable' || mutable === 'writeOnly' || mutable === 'readOnly' || mutable === 'readWrite') return mutable;
  throw new Error(`unexpected scimmy mutability ${String(mutable)}`);
}

function returnedOf(returned: unknown): AttributeMeta['returned'] {
  if (returned === true || returned === undefined) return 'default';
  if (returned === false) return 'never';
  if (returned === 'always' || returned === 'never' || returned === 'default' || returned === 'request') return returned;
  throw new Error(`unexpected scimmy returned ${String(returned)}`);
}

function uniquenessOf(uniqueness: unknown): AttributeMeta['uniqueness'] {
  if (uniqueness === false || uniqueness === undefined) return 'none';
  if (uniqueness === true) return 'server';
  if (uniqueness === 'none' || uniqueness === 'server' || uniqueness === 'global') return uniqueness;
  throw new Error(`unexpected scimmy uniqueness ${String(uniqueness)}`);
}

function toMeta(schema: string, attribute: ScimmyAttribute): AttributeMeta {
  const config = attribute.config;
  return Object.freeze({
    schema,
    name: attribute.name,
    type: attribute.type,
    multiValued: config.multiValued === true,
    caseExact: config.caseExact === true,
    mutability: mutabilityOf(config.mutable),
    returned: returnedOf(config.returned),
    uniqueness: uniquenessOf(config.uniqueness),
    subAttributes: Object.freeze((attribute.subAttributes ?? []).map((sub) => toMeta(schema, sub))) as AttributeMeta[],
    // scimmy uses `false` for "no list" and rejects every value when given `[]` (SCIMMY-NOTES
    // item 13). Here [] always means "no canonical values" — never "nothing is allowed".
    canonicalValues: Object.freeze(Array.isArray(config.canonicalValues) ? [...config.canonicalValues] : []) as string[],
  });
}

// scimmy repeats the common attributes (schemas, id, externalId, meta) in every definition as
// "shadow" attributes. RFC 7643 §3.1 makes id/externalId/meta common to the resource, so they are
// kept on the core schema only; `schemas` is resource framing, not an attribute to filter or patch.
function attributesOf(definition: InstanceType<typeof SCIMMY.Types.SchemaDefinition>, core: boolean): AttributeMeta[] {
  return definition.attributes
    .filter((attribute) => attribute.name !== 'schemas' && (core || attribute.config.shadow !== true))
    .map((attribute) => toMeta(definition.id, attribute));
}

/**
 * Corrections to scimmy's definitions, made once, before anything reads them (the catalog below
 * and the /Schemas discovery document are built from the same objects). scimmy declares Group
 * `members.display` "immutable"; it is the server's rendering of the member (seatgate: its
 * userName), never taken from a client, so it is readOnly (RFC 7643 §2.2).
 */
function correctScimmyDefinitions(): void {
  const members = SCIMMY.Schemas.Group.definition.attributes.find((attribute) => attribute.name === 'members');
  const display = members?.subAttributes?.find((sub) => sub.name === 'display');
  if (!display) throw new Error('scimmy\'s Group schema has no members.display to correct');
  display.config.mutable = false;
}

function buildCatalog(): Record<ResourceType, SchemaEntry[]> {
  correctScimmyDefinitions();
  const entry = (definition: InstanceType<typeof SCIMMY.Types.SchemaDefinition>, extension: boolean, required: boolean): SchemaEntry =>
    Object.freeze({ schema: definition.id, extension, required, attributes: Object.freeze(attributesOf(definition, !extension)) as AttributeMeta[] });
  return {
    User: [
      entry(SCIMMY.Schemas.User.definition, false, true),
      entry(SCIMMY.Schemas.EnterpriseUser.definition, true, false),
      entry(SeatgateUserSchema, true, false),
    ],
    Group: [entry(SCIMMY.Schemas.Group.definition, false, true)],
  };
}

const catalog = buildCatalog();

/** The schemas of a resource type: the core one first, then extensions. */
export function schemasOf(type: ResourceType): SchemaEntry[] {
  return catalog[type];
}

/**
 * Each attribute list's names, lowercased, to the first attribute of that name: every POST and
 * PUT body is canonicalized through PATCH paths, which resolve each attribute several times, and
 * a scan that lowercased every name on the way was a third of that (decision 0040).
 */
const byLowerName = new WeakMap<readonly AttributeMeta[], Map<string, AttributeMeta>>();

const findByName = (attributes: readonly AttributeMeta[], name: string): AttributeMeta | undefined => {
  let names = byLowerName.get(attributes);
  if (names === undefined) {
    names = new Map();
    for (const attribute of attributes) {
      const lower = attribute.name.toLowerCase();
      if (!names.has(lower)) names.set(lower, attribute);
    }
    byLowerName.set(attributes, names);
  }
  return names.get(name.toLowerCase());
};

/**
 * Case-insensitive: 'userName', 'UserName', 'name.givenName', 'emails.value', 'meta.lastModified',
 * 'urn:ietf:params:scim:schemas:core:2.0:User:userName',
 * 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
 * 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'. undefined when unknown.
 *
 * RFC 7644 §3.10: "the attribute name [is] optionally prefixed by the schema URI"; an unqualified
 * name refers to the core schema only, so extension attributes need their URN.
 */
export function resolveAttribute(type: ResourceType, path: string): ResolvedAttribute | undefined {
  const schemas = catalog[type];
  let entry: SchemaEntry | undefined = schemas[0];
  let rest = path;
  if (path.toLowerCase().startsWith('urn:')) {
    // The schema URN itself contains colons and dots ("…:2.0:User"), so match known URNs as
    // prefixes instead of splitting the path.
    const lower = path.toLowerCase();
    entry = schemas.find((candidate) => lower.startsWith(`${candidate.schema.toLowerCase()}:`));
    if (!entry) return undefined;
    rest = path.slice(entry.schema.length + 1);
  }
  if (!entry) return undefined;
  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) return undefined;
  const attribute = findByName(entry.attributes, parts[0] ?? '');
  if (!attribute) return undefined;
  const resolved: ResolvedAttribute = { schema: entry.schema, extension: entry.extension, attribute };
  if (parts.length === 2) {
    const subAttribute = findByName(attribute.subAttributes, parts[1] ?? '');
    if (!subAttribute) return undefined;
    resolved.subAttribute = subAttribute;
  }
  return resolved;
}

/**
 * Attributes that must never leave the server (RFC 7643 §7: `returned: "never"`, and writeOnly
 * ones, such as `password`): seatgate does not store them either, since it authenticates no one
 * with them. Read from the schema definitions, so that any attribute declared so is covered.
 */
const isSecret = (attribute: AttributeMeta) => attribute.returned === 'never' || attribute.mutability === 'writeOnly';

/** The lower-cased top-level names a body may carry a secret attribute under (plain or URN-qualified). */
export function secretAttributeKeys(type: ResourceType): string[] {
  return catalog[type].flatMap((entry) => entry.attributes.filter(isSecret).flatMap((attribute) => [
    ...(entry.extension ? [] : [attribute.name.toLowerCase()]), `${entry.schema}:${attribute.name}`.toLowerCase(),
  ]));
}

type JsonRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);
const deleteKey = (object: JsonRecord, name: string) => {
  for (const key of Object.keys(object)) if (key.toLowerCase() === name.toLowerCase()) delete object[key];
};

function stripSubAttributes(value: unknown, attribute: AttributeMeta): void {
  const secrets = attribute.subAttributes.filter(isSecret);
  if (secrets.length === 0) return;
  for (const element of Array.isArray(value) ? value : [value]) {
    if (isRecord(element)) for (const sub of secrets) deleteKey(element, sub.name);
  }
}

/** Where secrets can sit, per resource type, by lower-cased key (computed once: withoutSecrets
 *  runs on every resource rendered, 100 times per list page). */
interface SecretPlan {
  /** Secret names of one schema, and its attributes that have secret sub-attributes. */
  core: HolderPlan;
  /** URN-qualified secret names (`urn:…:User:password`), removed from the top level. */
  qualified: Set<string>;
  /** Each schema's URN: the object a client may nest that schema's attributes in. */
  byUrn: Map<string, HolderPlan>;
}
interface HolderPlan { secret: Set<string>; withSecretSubs: Map<string, AttributeMeta> }

const holderPlan = (entry: SchemaEntry): HolderPlan => ({
  secret: new Set(entry.attributes.filter(isSecret).map((attribute) => attribute.name.toLowerCase())),
  withSecretSubs: new Map(entry.attributes.filter((attribute) => !isSecret(attribute) && attribute.subAttributes.some(isSecret))
    .map((attribute) => [attribute.name.toLowerCase(), attribute])),
});

const secretPlans = new Map<ResourceType, SecretPlan>();
function secretPlan(type: ResourceType): SecretPlan {
  let plan = secretPlans.get(type);
  if (!plan) {
    const entries = catalog[type];
    const core = entries.find((entry) => !entry.extension);
    plan = {
      core: core ? holderPlan(core) : { secret: new Set(), withSecretSubs: new Map() },
      qualified: new Set(entries.flatMap((entry) => entry.attributes.filter(isSecret).map((attribute) => `${entry.schema}:${attribute.name}`.toLowerCase()))),
      byUrn: new Map(entries.map((entry) => [entry.schema.toLowerCase(), holderPlan(entry)])),
    };
    secretPlans.set(type, plan);
  }
  return plan;
}

/** Removes from `holder` (in place) the plan's secret attributes and secret sub-attributes. */
function stripHolder(holder: JsonRecord, plan: HolderPlan): void {
  for (const key of Object.keys(holder)) {
    const lower = key.toLowerCase();
    if (plan.secret.has(lower)) { delete holder[key]; continue; }
    const attribute = plan.withSecretSubs.get(lower);
    if (attribute) {
      holder[key] = structuredClone(holder[key]);
      stripSubAttributes(holder[key], attribute);
    }
  }
}

/**
 * A copy of a resource (or of the attributes document stored for it) without any secret
 * attribute, in any spelling: any case, URN-qualified, inside its extension object, or as a
 * sub-attribute. Used where writes are turned into stored attributes and where resources are
 * projected for output, so that no route has to remember it. Values are copied only where
 * something is removed from them (a URN object is always copied).
 */
export function withoutSecrets<T extends JsonRecord>(type: ResourceType, resource: T): T {
  const plan = secretPlan(type);
  const out: JsonRecord = { ...resource };
  // The top level holds the core schema's attributes, URN-qualified names and the URN objects.
  for (const key of Object.keys(out)) {
    const lower = key.toLowerCase();
    if (plan.qualified.has(lower) || plan.core.secret.has(lower)) { delete out[key]; continue; }
    const attribute = plan.core.withSecretSubs.get(lower);
    if (attribute) {
      out[key] = structuredClone(out[key]);
      stripSubAttributes(out[key], attribute);
      continue;
    }
    const nested = plan.byUrn.get(lower);
    const value = out[key];
    if (nested && isRecord(value)) {
      const holder = { ...value };
      stripHolder(holder, nested);
      out[key] = holder;
    }
  }
  return out as T;
}

/**
 * Whether withoutSecrets can change the top-level attribute `key` of a resource (or copy it
 * other than as it is): a secret name, a URN-qualified one, an attribute with secret
 * sub-attributes, or a schema's URN object whose schema has any. Memoized by key: a list page
 * asks for the same few keys a hundred times.
 */
export function mayHoldSecrets(type: ResourceType, key: string): boolean {
  const memo = secretKeyMemo[type];
  let answer = memo.get(key);
  if (answer === undefined) {
    const plan = secretPlan(type);
    const lower = key.toLowerCase();
    const nested = plan.byUrn.get(lower);
    answer = plan.qualified.has(lower) || plan.core.secret.has(lower) || plan.core.withSecretSubs.has(lower)
      || (nested !== undefined && (nested.secret.size > 0 || nested.withSecretSubs.size > 0));
    if (memo.size < 1000) memo.set(key, answer);
  }
  return answer;
}
const secretKeyMemo: Record<ResourceType, Map<string, boolean>> = { User: new Map(), Group: new Map() };

/**
 * resolveAttribute, and then an unqualified name the core schema lacks in the one extension that
 * defines it (Entra writes `manager` for the enterprise extension's manager, in PATCH paths and
 * in filters alike). Only when exactly one extension defines it: nothing ambiguous is guessed.
 */
export function resolveAttributePath(type: ResourceType, path: string): ResolvedAttribute | undefined {
  const resolved = resolveAttribute(type, path);
  if (resolved || path.toLowerCase().startsWith('urn:')) return resolved;
  const matches = catalog[type].filter((entry) => entry.extension)
    .map((entry) => resolveAttribute(type, `${entry.schema}:${path}`))
    .filter((candidate) => candidate !== undefined);
  return matches.length === 1 ? matches[0] : undefined;
}
