// The connection pool and the Kysely instance. Kysely is used only under src/storage.
import {
  Kysely, PostgresDialect, sql, type CompiledQuery, type DatabaseIntrospector, type SchemaMetadata, type TableMetadata,
} from 'kysely';
import pg from 'pg';
import { parseConnectionString, type ParsedConnectionString, type PostgresTarget } from './connection-string.js';
import type { Database } from './schema.js';
import { connectionFailed } from './errors.js';
import { timestamptzParser } from './timestamps.js';

// DATE stays an ISO string (no time zone shifts); BIGINT becomes a number (money in minor
// units and counters stay far below 2^53); TIMESTAMPTZ in UTC skips pg-types' regular
// expressions (timestamps.ts), with the same Date.
export const parseTimestamptz = timestamptzParser(pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown) as (text: string) => Date;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.DATE) return (value: string) => value;
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    if (oid === pg.types.builtins.TIMESTAMPTZ && format !== 'binary') return parseTimestamptz;
    return pg.types.getTypeParser(oid, format);
  },
};

export type Db = Kysely<Database>;

/**
 * What Kysely's Migrator sees of the database: the tables of the schemas on the search path, by
 * name (decision 0041). Kysely's own introspector reads every column of every schema and resolves
 * each schema's name after its snapshot: in a database shared with others it found another
 * application's `kysely_migration`, and failed a start with "schema does not exist" when a
 * neighbour dropped a schema meanwhile. The Migrator only asks whether its two tables exist.
 */
class SearchPathIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; isView: boolean }>`
      select c.relname as name, n.nspname as schema, c.relkind in ('v', 'm') as "isView"
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = any (pg_catalog.current_schemas(false)) and c.relkind in ('r', 'p', 'v', 'm', 'f')`.execute(this.db);
    return rows.map((row) => ({ ...row, columns: [] }));
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

/** PostgreSQL, introspected only on the search path (decision 0041). */
class SeatgateDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SearchPathIntrospector(db);
  }
}

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * Named prepared statements for the queries storage marks with `prepared` (default true).
   * Off behind a pooler that does not keep them per server session (pgbouncer in transaction
   * mode before 1.21).
   */
  preparedStatements?: boolean;
  /**
   * With several hosts: how long a connection attempt goes on trying them (a failover in
   * progress) before the error is given to the caller.
   */
  failoverWaitMs?: number;
}

/** pg_auto_failover promotes in seconds once it notices a failure (docs/operations.md). */
const DEFAULT_FAILOVER_WAIT_MS = 20_000;
/** Per host, when the URL names several and no connect_timeout: a dead machine must not stall. */
const MULTI_HOST_CONNECT_TIMEOUT_MS = 5_000;
const ROUND_PAUSE_MS = 200;

/** The host new connections go to: the last one that worked, or the next after a failure. */
class HostLocator {
  private index = 0;
  constructor(private readonly parsed: ParsedConnectionString, private readonly url: string) {}

  get count(): number { return Math.max(this.parsed.targets.length, 1); }
  get current(): PostgresTarget | undefined { return this.parsed.targets[this.index]; }

  /** The URL of the current host; the caller's own URL when it has nothing node-postgres lacks. */
  currentUrl(): string {
    const target = this.current;
    const libpqOnly = this.parsed.targets.length > 1 || this.parsed.targetSessionAttrs !== 'any' || this.parsed.connectTimeoutMs !== undefined;
    return target && libpqOnly ? this.parsed.urlFor(target) : this.url;
  }

  /** `target` failed: move on, unless a concurrent failure already did. */
  failed(target: PostgresTarget | undefined): void {
    if (target === this.current) this.index = (this.index + 1) % this.count;
  }
}

class ReadOnlyServerError extends Error {
  readonly code = '25006'; // read_only_sql_transaction, as PostgreSQL names a write on a standby
}

/**
 * Named prepared statements (decision 0016). PostgreSQL plans an unnamed statement at every
 * execution: for an IdP's `userName eq` lookup that planning cost more than the query itself.
 * A statement named once is parsed once per connection and, after five executions, runs a
 * cached generic plan. Only statements storage marks with `prepared` are named (filter SQL
 * varies without bound, and PostgreSQL keeps every named statement for the session's life), and
 * at most MAX_PREPARED texts in all: beyond that, statements run unnamed as before.
 */
const MAX_PREPARED = 64;
const preparedNames = new Map<string, string>();
/**
 * Texts whose jsonb columns come back as PostgreSQL's text, not parsed (decision 0027): a list
 * page of users renders each stored attributes document from that text (protocol/scim
 * representation.ts userJson) instead of JSON.parse then JSON.stringify of the same document.
 */
const jsonbAsText = new Set<string>();
const MAX_JSONB_AS_TEXT = 256;

/**
 * A value the planner cannot read, even in a custom plan (an initplan's result), so that a
 * statement's custom plans cost what its cached plan costs and neither depends on the value:
 * a page's offset (decision 0026), a group change's ids (decision 0032). The trailing cast keeps
 * `any(…)` reading an array expression, not a subquery of rows.
 */
export function hiddenFromPlanner<T>(value: unknown, type: 'uuid' | 'uuid[]' | 'int' | 'bigint') {
  return sql<T>`(select ${value}::${sql.raw(type)})::${sql.raw(type)}`;
}

/**
 * Marks a compiled statement's text for naming; returns the query unchanged. `jsonbAsText`: its
 * jsonb and timestamptz columns are read as text (the caller parses what it needs).
 */
export function prepared<Q extends { sql: string }>(query: Q, options: { jsonbAsText?: boolean } = {}): Q {
  if (!preparedNames.has(query.sql) && preparedNames.size < MAX_PREPARED) preparedNames.set(query.sql, `seatgate_${preparedNames.size + 1}`);
  // Bounded like the names: a text past the bound is read as before, parsed, and its caller must
  // take either form (see scim-users.ts).
  if (options.jsonbAsText && !jsonbAsText.has(query.sql) && jsonbAsText.size < MAX_JSONB_AS_TEXT) jsonbAsText.add(query.sql);
  return query;
}

/**
 * jsonb and timestamptz as text, every other type as the pool reads it: a listed user's
 * timestamps are written from PostgreSQL's text, not through a Date (decision 0038).
 */
const asIs = (value: string) => value;
const JSONB_AS_TEXT_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return (oid === pg.types.builtins.JSONB || oid === pg.types.builtins.TIMESTAMPTZ) && format !== 'binary' ? asIs : types.getTypeParser(oid, format);
  },
};

/** The pool behind each root Kysely instance openDatabase made (a transaction is not one). */
const poolOfDb = new WeakMap<object, { pool: pg.Pool; named: boolean }>();

/**
 * Runs a compiled read marked with `prepared` and answers its rows. Outside a transaction it goes
 * to the pool directly: Kysely's executor wraps a compiled query in about eight async layers
 * (connection provider, runtime driver, driver, connection, result transform, release), which
 * the statements IdPs repeat most (a lookup) paid on every request (decision 0029). Inside a
 * transaction, through Kysely (the transaction's connection), where namingClient applies the same marks.
 */
export async function runPrepared(db: Db, query: CompiledQuery, options: { jsonbAsText?: boolean } = {}): Promise<unknown[]> {
  const direct = poolOfDb.get(db);
  if (!direct) return (await db.executeQuery(prepared(query, options))).rows;
  prepared(query, options);
  const values = query.parameters as unknown[];
  return (await direct.pool.query(markedQuery(query.sql, values, direct.named) ?? { text: query.sql, values })).rows as unknown[];
}

/** The query as pg runs a marked text (under its name when `named`, jsonb as text when so marked); undefined when unmarked. */
function markedQuery(text: string, values: unknown[], named: boolean): pg.QueryConfig | undefined {
  const name = named ? preparedNames.get(text) : undefined;
  const raw = jsonbAsText.has(text);
  if (!name && !raw) return undefined;
  return { ...(name ? { name } : {}), text, values, ...(raw ? { types: JSONB_AS_TEXT_TYPES } : {}) };
}

/** pg's Client, sending the statements marked with `prepared` under their name (when `named`). */
function namingClient(Base: typeof pg.Client, named: boolean): typeof pg.Client {
  return class extends Base {
    // Kysely calls query(text, values); every other form passes through unchanged.
    override query(...args: unknown[]): never {
      const [text, values] = args;
      const call = super.query as (...a: unknown[]) => never;
      if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values)) return call.apply(this, args);
      const marked = markedQuery(text, values, named);
      return marked ? call.call(this, marked) : call.apply(this, args);
    }
  } as typeof pg.Client;
}

function hostFailed(error: unknown): boolean {
  return error instanceof ReadOnlyServerError || connectionFailed(error);
}

/**
 * A pg.Pool over a libpq-style connection string (decision 0006): new connections go to the
 * host that last worked, every new one is checked to accept writes when the URL asks for
 * `target_session_attrs=read-write`, and a failed or read-only host sends the attempt on to the
 * next host, round after round, until one answers or the failover wait is over. Connections that
 * break are dropped by pg.Pool itself (an idle one on its error, a busy one on release).
 */
export class FailoverPool extends pg.Pool {
  private readonly verified = new WeakSet<pg.ClientBase>();

  constructor(
    private readonly locator: HostLocator,
    private readonly readWrite: boolean,
    private readonly waitMs: number,
    config: pg.PoolConfig,
    named = true,
  ) {
    super({
      ...config,
      // pg.Pool makes its connections with `new Client(options)`: each to the current host.
      Client: class extends namingClient(pg.Client, named) {
        constructor(options?: pg.ClientConfig) {
          super({ ...options, connectionString: locator.currentUrl() });
          // pg.Pool listens for errors only while a client is idle. A checked-out client whose
          // session the server ends between two queries (57P01 as a node is promoted or
          // demoted) would otherwise crash the process with an unhandled 'error' event; the
          // client is marked unusable and its next query fails and the pool then drops it.
          this.on('error', () => {});
        }
      },
    });
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: Error | boolean) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: Error | boolean) => void) => void,
  ): Promise<pg.PoolClient> | void {
    // One host and nothing to verify: nothing to fail over to, so pg.Pool's own connect, without
    // the three async layers below on every query (decision 0029).
    if (!this.readWrite && this.locator.count === 1) return callback ? super.connect(callback) : super.connect();
    const connected = this.withFailover(async () => {
      const client = await super.connect();
      try {
        await this.verify(client);
      } catch (error) {
        client.release(error as Error); // an error removes it from the pool
        throw error;
      }
      return client;
    });
    if (!callback) return connected;
    connected.then((client) => callback(undefined, client, client.release), (error: Error) => callback(error, undefined, () => {}));
  }

  /** A connection outside the pool (LISTEN), to the same writable host. */
  connectDedicated(): Promise<pg.Client> {
    return this.withFailover(async () => {
      const client = new pg.Client({ ...this.options, connectionString: this.locator.currentUrl() });
      client.on('error', () => {}); // until the caller attaches its own
      try {
        await client.connect();
        await this.verify(client);
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
      return client;
    });
  }

  private async verify(client: pg.ClientBase): Promise<void> {
    if (!this.readWrite || this.verified.has(client)) return;
    // As libpq does for read-write: a standby, or a primary being promoted or demoted, says on.
    const { rows } = await client.query<{ transaction_read_only: string }>('show transaction_read_only');
    if (rows[0]?.transaction_read_only !== 'off') throw new ReadOnlyServerError('the server accepts only read-only sessions');
    this.verified.add(client);
  }

  private async withFailover<T>(attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.waitMs;
    for (let failures = 1; ; failures += 1) {
      const target = this.locator.current;
      try {
        return await attempt();
      } catch (error) {
        if (this.ending) throw error;
        // Only the host's own failures move on to the next host: a wait in the pool's queue
        // that timed out says nothing about the host.
        if (hostFailed(error)) this.locator.failed(target);
        if (Date.now() >= deadline) throw error;
        // Every host once, then a pause: the standby is being promoted.
        if (failures % this.locator.count === 0) await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
      }
    }
  }
}

export function openDatabase(url: string, poolSize = 10, options: DatabaseOptions = {}): DatabaseHandle {
  const parsed = parseConnectionString(url);
  const multiHost = parsed.targets.length > 1;
  const pool = new FailoverPool(
    new HostLocator(parsed, url),
    parsed.targetSessionAttrs === 'read-write',
    multiHost ? options.failoverWaitMs ?? DEFAULT_FAILOVER_WAIT_MS : 0,
    {
      max: poolSize, types, application_name: 'seatgate', keepAlive: true,
      connectionTimeoutMillis: parsed.connectTimeoutMs ?? (multiHost ? MULTI_HOST_CONNECT_TIMEOUT_MS : undefined),
    },
    options.preparedStatements ?? true,
  );
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new SeatgateDialect({ pool }) });
  poolOfDb.set(db, { pool, named: options.preparedStatements ?? true });
  const close = async () => {
    await db.destroy();
    // Kysely ends the pool only if a query went through it; the pool may have served alone (the
    // start-up lock, LISTEN, a probe), and its idle connections would keep the process alive.
    if (!pool.ending) await pool.end();
  };
  return { db, pool, close };
}

/** A connection of its own (LISTEN) to the database behind `pool`, as the pool would choose. */
export function connectDedicated(pool: pg.Pool): Promise<pg.Client> {
  if (pool instanceof FailoverPool) return pool.connectDedicated();
  const client = new pg.Client(pool.options);
  return client.connect().then(() => client);
}

/** A round trip to the database (readiness probe). */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
