// Discovery documents (RFC 7644 §4) from scimmy, told the truth about what seatgate supports.
// scimmy keeps them in process-wide singletons, which is fine here: every organization is served
// at the same path and sees the same capabilities.
import SCIMMY from 'scimmy';
import { SeatgateUserSchema } from './attributes.js';
import { MAX_RESULTS, DEFAULT_COUNT } from './list.js';

export const BULK_MAX_OPERATIONS = 1000;
/** The body limit of every SCIM request, Bulk included: room for a 10,000-member group PUT. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** scimmy extends resources with Schema classes, not bare definitions. */
class SeatgateUser extends SCIMMY.Types.Schema {
  static override get definition() { return SeatgateUserSchema; }
}

let declared = false;
function declare(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({
    patch: { supported: true },
    bulk: { supported: true, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: MAX_PAYLOAD_BYTES },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [{
      type: 'oauthbearertoken', name: 'OAuth Bearer Token', primary: true,
      description: 'A SCIM bearer token of the organization, issued by seatgate (Authorization: Bearer …).',
      specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
    }],
  });
  SCIMMY.Resources.declare(SCIMMY.Resources.User);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
  SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);
  SCIMMY.Resources.User.extend(SeatgateUser, false);
  for (const resource of [SCIMMY.Resources.User, SCIMMY.Resources.Group, SCIMMY.Resources.Schema,
    SCIMMY.Resources.ResourceType, SCIMMY.Resources.ServiceProviderConfig]) {
    resource.basepath('/scim/v2');
  }
}

type Json = Record<string, unknown>;

/** scimmy writes locations as /scim/v2/…; clients want absolute URLs. */
function absolutize(document: unknown, origin: string): Json {
  const json = JSON.parse(JSON.stringify(document)) as Json;
  const fix = (resource: Json) => {
    const meta = resource.meta as Json | undefined;
    if (meta && typeof meta.location === 'string' && meta.location.startsWith('/')) meta.location = origin + meta.location;
  };
  fix(json);
  if (Array.isArray(json.Resources)) (json.Resources as Json[]).forEach(fix);
  return json;
}

export async function serviceProviderConfig(origin: string): Promise<Json> {
  declare();
  const document = absolutize(await new SCIMMY.Resources.ServiceProviderConfig().read(), origin);
  // RFC 9865 §4: cursor pagination is advertised beside index pagination.
  document.pagination = {
    cursor: true, index: true, defaultPaginationMethod: 'index',
    defaultPageSize: DEFAULT_COUNT, maxPageSize: MAX_RESULTS, cursorTimeout: 0,
  };
  return document;
}

export async function schemas(origin: string, id?: string): Promise<Json> {
  declare();
  return absolutize(await new SCIMMY.Resources.Schema(id).read(), origin);
}

export async function resourceTypes(origin: string, id?: string): Promise<Json> {
  declare();
  return absolutize(await new SCIMMY.Resources.ResourceType(id).read(), origin);
}
