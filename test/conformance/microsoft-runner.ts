// Runs Microsoft's SCIM Postman collection (test/conformance/microsoft/PostmanCollection.json,
// unmodified) with newman, programmatically, and turns every pm.test and every script error into
// an AssertionOutcome.
//
// The collection builds its URLs as `{{Protocol}}://{{Server}}{{Port}}/{{Api}}/Users`, so Port
// carries its colon (":41234"). Its first folder, "Get Token", calls the reference server's own
// `/Token` endpoint and then overwrites `token` with whatever that answered: it is left out (in
// memory; the file stays as published) and the organization's SCIM token is passed as `token`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import newman from 'newman';
import type { AssertionOutcome, Exchange, SuiteReport } from './report.js';

export const COLLECTION_FILE = path.resolve('test/conformance/microsoft/PostmanCollection.json');
const SKIPPED_FOLDERS = new Set(['Get Token']);

export interface CollectionJson { item: { name: string }[] }

/** The published collection without the folders that belong to Microsoft's reference server. */
export function loadCollection(file = COLLECTION_FILE): CollectionJson {
  const collection = JSON.parse(readFileSync(file, 'utf8')) as CollectionJson;
  return { ...collection, item: collection.item.filter((item) => !SKIPPED_FOLDERS.has(item.name)) };
}

export interface MicrosoftRunOptions {
  port: number;
  token: string;
  server?: string;
  api?: string;
  /** Another copy of the collection (diagnostics); default: the published one without "Get Token". */
  collection?: CollectionJson;
}

// Shapes of the postman-collection objects newman hands to its events (only what is read here).
interface PmItem { id: string; name: string; parent?: () => { name?: string } | undefined }
interface PmRequest { method: string; url: { toString(): string }; body?: { raw?: string } }
interface PmResponse { code: number; text(): string }

/** chai's messages carry both sides; pull them out so that reports read "expected / actual". */
export function expectedAndActual(message: string): { expected?: string; actual?: string } {
  const status = /status code (\d+) but got (\d+)/.exec(message);
  if (status) return { expected: status[1], actual: status[2] };
  const equal = /^expected (.*) to (?:deeply )?equal (.*)$/s.exec(message);
  if (equal) return { expected: equal[2], actual: equal[1] };
  const include = /^expected (.*) to (not )?include (.*)$/s.exec(message);
  if (include) return { expected: `${include[2] ? 'not ' : ''}to include ${include[3]}`, actual: clipText(include[1] ?? '') };
  return {};
}

const clipText = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);

export async function runMicrosoftCollection(options: MicrosoftRunOptions): Promise<SuiteReport> {
  const collection = options.collection ?? loadCollection();
  const environment = {
    name: 'seatgate conformance',
    values: Object.entries({
      Protocol: 'http',
      Server: options.server ?? '127.0.0.1',
      Port: `:${options.port}`,
      Api: options.api ?? 'scim/v2',
      token: options.token,
    }).map(([key, value]) => ({ key, value, type: 'default', enabled: true })),
  };

  const folders = new Set(collection.item.filter((i) => 'item' in i).map((i) => i.name));
  const outcomes: AssertionOutcome[] = [];
  const exchanges = new Map<string, Exchange>(); // by item id: the item's last request
  const seen = new Map<string, number>();
  const labels = new Map<string, string>();
  let requests = 0;

  // Names repeat in the collection ("Patch add user4 to group1" twice in one folder): the second
  // one becomes "… #2" so that an allowlist entry names exactly one request.
  const labelOf = (item: PmItem): string => {
    const known = labels.get(item.id);
    if (known) return known;
    const parent = item.parent?.()?.name;
    const base = parent && folders.has(parent) ? `${parent} / ${item.name}` : item.name;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const label = n === 1 ? base : `${base} #${n}`;
    labels.set(item.id, label);
    return label;
  };

  await new Promise<void>((resolve, reject) => {
    const run = newman.run({ collection, environment, reporters: [], timeoutRequest: 30_000 }, (err) => (err ? reject(err) : resolve()));
    run.on('beforeItem', (_err: unknown, o: { item: PmItem }) => { labelOf(o.item); });
    run.on('request', (err: Error | null, o: { item: PmItem; request: PmRequest; response?: PmResponse }) => {
      requests += 1;
      const exchange: Exchange = {
        method: o.request.method,
        url: o.request.url.toString(),
        requestBody: o.request.body?.raw,
        status: o.response?.code,
        responseBody: o.response?.text(),
      };
      exchanges.set(o.item.id, exchange);
      if (err) {
        outcomes.push({ request: labelOf(o.item), assertion: '(request)', passed: false, message: err.message, exchange });
      }
    });
    run.on('assertion', (err: { message?: string } | null, o: { item: PmItem; assertion: string }) => {
      const exchange = exchanges.get(o.item.id);
      if (!err) {
        outcomes.push({ request: labelOf(o.item), assertion: o.assertion, passed: true });
        return;
      }
      const message = err.message ?? '';
      outcomes.push({ request: labelOf(o.item), assertion: o.assertion, passed: false, message, ...expectedAndActual(message), exchange });
    });
    // A test script that throws outside pm.test (e.g. pm.response.json() on a body that is not
    // JSON, before it stores an id) is a failure of that request too.
    run.on('script', (err: { message?: string } | null, o: { item: PmItem; event?: { listen?: string } }) => {
      if (!err) return;
      outcomes.push({
        request: labelOf(o.item), assertion: `(${o.event?.listen ?? 'test'} script error)`, passed: false,
        message: err.message, exchange: exchanges.get(o.item.id),
      });
    });
  });
  return { suite: 'microsoft', requests, outcomes };
}
