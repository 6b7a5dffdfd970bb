// Shared harness for the JDBC connector tests: the local PostgreSQL and MariaDB servers, unique table names,
// and small context objects that stand in for the runtime (offset storage, logger, reconfiguration requests).
import pg from 'pg';
import mysql from 'mysql2/promise';
import type {
  ConnectorContext, OffsetStorageReader, PluginLogger, SinkTaskContext, SourceOffset, SourcePartition,
  SourceRecord, SourceTaskContext, TopicPartition,
} from '../../src/connect/api/index.js';

export const PG = {
  host: process.env.FERRY_TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.FERRY_TEST_PG_PORT ?? 5432),
  user: process.env.FERRY_TEST_PG_USER ?? 'postgres',
  database: process.env.FERRY_TEST_PG_DB ?? 'test',
};
export const MY = {
  host: process.env.FERRY_TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.FERRY_TEST_MYSQL_PORT ?? 3306),
  user: process.env.FERRY_TEST_MYSQL_USER ?? 'root',
  password: process.env.FERRY_TEST_MYSQL_PASSWORD ?? '',
  database: process.env.FERRY_TEST_MYSQL_DB ?? 'test',
};

export const PG_URL = `jdbc:postgresql://${PG.host}:${PG.port}/${PG.database}`;
export const MY_URL = `jdbc:mariadb://${MY.host}:${MY.port}/${MY.database}`;

export type Db = 'postgresql' | 'mysql';

/** Connection keys for a connector config. */
export function connectionProps(db: Db): Record<string, string> {
  return db === 'postgresql'
    ? { 'connection.url': PG_URL, 'connection.user': PG.user }
    : { 'connection.url': MY_URL, 'connection.user': MY.user, 'connection.password': MY.password };
}

/** A minimal SQL client for test setup and checks (rows as objects). */
export interface TestDb {
  readonly db: Db;
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Quotes an identifier for this database. */
  q(name: string): string;
  close(): Promise<void>;
}

/** Connects to the test database, failing loudly (not skipping) when the server is down. */
export async function openTestDb(db: Db): Promise<TestDb> {
  if (db === 'postgresql') {
    const c = new pg.Client({ ...PG, connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      throw new Error(`PostgreSQL test server is not reachable at ${PG.host}:${PG.port}/${PG.database} as ${PG.user} `
        + `(start it, or set FERRY_TEST_PG_HOST/PORT/USER/DB): ${(e as Error).message}`, { cause: e });
    }
    await c.query("SET TIME ZONE 'UTC'");
    return {
      db,
      exec: async (sql, params = []) => (await c.query(sql, params)).rows as Record<string, unknown>[],
      q: (n) => `"${n.replace(/"/g, '""')}"`,
      close: () => c.end(),
    };
  }
  let c: mysql.Connection;
  try {
    c = await mysql.createConnection({ ...MY, connectTimeout: 5000, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  } catch (e) {
    throw new Error(`MariaDB/MySQL test server is not reachable at ${MY.host}:${MY.port}/${MY.database} as ${MY.user} `
      + `(start it, or set FERRY_TEST_MYSQL_HOST/PORT/USER/PASSWORD/DB): ${(e as Error).message}`, { cause: e });
  }
  c.on('error', () => undefined);
  await c.query("SET time_zone = '+00:00'");
  return {
    db,
    exec: async (sql, params = []) => {
      const [rows] = await c.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    q: (n) => '`' + n.replace(/`/g, '``') + '`',
    close: () => c.end(),
  };
}

let seq = 0;
/** A table name unique to this process and call. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++seq}`.toLowerCase();
}

export interface LogLine { level: string; obj: unknown; msg: string | undefined }

export function testLogger(lines: LogLine[] = []): PluginLogger & { lines: LogLine[] } {
  const at = (level: string) => (obj: unknown, msg?: string): void => {
    lines.push({ level, obj, msg });
    if (process.env.FERRY_TEST_VERBOSE) console.log(level, msg, JSON.stringify(obj));
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Source partitions compare as JSON with sorted keys (the runtime canonicalises similarly). */
function partitionKey(p: SourcePartition): string {
  return JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));
}

/** In-memory offset storage: what a runtime would have committed after the records were written to Kafka. */
export class MemoryOffsets implements OffsetStorageReader {
  private readonly map = new Map<string, SourceOffset>();

  async offset(partition: SourcePartition): Promise<SourceOffset | null> {
    return this.map.get(partitionKey(partition)) ?? null;
  }

  async offsets(partitions: SourcePartition[]): Promise<Map<string, SourceOffset | null>> {
    return new Map(partitions.map((p) => [partitionKey(p), this.map.get(partitionKey(p)) ?? null]));
  }

  /** Commits the offsets of acknowledged records (the last one per partition wins). */
  commit(records: readonly SourceRecord[]): void {
    for (const r of records) if (r.sourcePartition && r.sourceOffset) this.map.set(partitionKey(r.sourcePartition), r.sourceOffset);
  }

  set(partition: SourcePartition, offset: SourceOffset): void {
    this.map.set(partitionKey(partition), offset);
  }

  entries(): [string, SourceOffset][] { return [...this.map]; }
}

export function sourceTaskContext(offsets: MemoryOffsets, logger: PluginLogger = testLogger()): SourceTaskContext {
  return { offsetStorageReader: offsets, logger, taskId: 0, connectorName: 'jdbc-test' };
}

export function connectorContext(logger: PluginLogger = testLogger()): ConnectorContext & { reconfigurations: number; errors: Error[] } {
  const ctx = {
    reconfigurations: 0,
    errors: [] as Error[],
    logger,
    requestTaskReconfiguration(): void { ctx.reconfigurations++; },
    raiseError(err: Error): void { ctx.errors.push(err); },
  };
  return ctx;
}

export function sinkTaskContext(logger: PluginLogger = testLogger()): SinkTaskContext {
  return {
    logger, taskId: 0, connectorName: 'jdbc-sink-test',
    offset(_o: Map<TopicPartition, number>): void {},
    requestCommit(): void {},
    pause(): void {},
    resume(): void {},
    assignment: () => [],
  };
}
