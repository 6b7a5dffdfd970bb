// JdbcSinkTask against the local PostgreSQL and MariaDB servers: upserts/deletes at volume, DDL evolution,
// hostile identifiers, and the error contract (DataError for schemaless data, RetriableError when unreachable).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectError, DataError, Decimal, LogicalSchemas, RetriableError, SchemaBuilder, Struct, sinkRecord,
  type Schema, type SinkRecord,
} from '../../src/connect/api/index.js';
import { JdbcSinkConnector, JdbcSinkTask } from '../../src/connectors/jdbc/index.js';
import {
  connectionProps, openTestDb, sinkTaskContext, testLogger, uniqueName, type Db, type TestDb,
} from '../helpers/db.js';

const KEY = SchemaBuilder.struct().name('Key').field('id', SchemaBuilder.int64().build()).build();
const VALUE = SchemaBuilder.struct().name('Value')
  .field('id', SchemaBuilder.int64().build())
  .field('name', SchemaBuilder.string().optional().build())
  .field('amount', LogicalSchemas.decimal(2).optional().build())
  .field('updated', LogicalSchemas.timestamp().optional().build())
  .field('active', SchemaBuilder.bool().build())
  .build();

interface Row { name: string | null; amount: string | null; updatedMs: number | null; active: boolean }

function valueStruct(id: number, r: Row): Struct {
  return new Struct(VALUE).put('id', id).put('name', r.name)
    .put('amount', r.amount === null ? null : Decimal.parse(r.amount, 2))
    .put('updated', r.updatedMs === null ? null : new Date(r.updatedMs))
    .put('active', r.active);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rec(topic: string, offset: number, key: Struct | null, keySchema: Schema | null, value: unknown, valueSchema: Schema | null): SinkRecord {
  return sinkRecord({ topic, kafkaPartition: 0, kafkaOffset: offset, key, keySchema, value, valueSchema });
}

async function startTask(db: Db, extra: Record<string, string>): Promise<JdbcSinkTask> {
  const connector = new JdbcSinkConnector();
  const props = { ...connectionProps(db), ...extra };
  connector.start(props);
  const [cfg] = connector.taskConfigs(1);
  const task = new JdbcSinkTask();
  task.initialize(sinkTaskContext(testLogger()));
  await task.start(cfg!);
  return task;
}

for (const db of ['postgresql', 'mysql'] as const) {
  describe(`JDBC sink on ${db}`, () => {
    let t: TestDb;
    const dropped: string[] = [];
    before(async () => { t = await openTestDb(db); });
    after(async () => {
      for (const name of dropped) await t.exec(`DROP TABLE IF EXISTS ${t.q(name)}`).catch((e: Error) => console.error(`# could not drop ${name}: ${e.message}`));
      await t.close();
    });
    const table = (prefix: string): string => { const n = uniqueName(prefix); dropped.push(n); return n; };

    test('upserts 100,000 records with updates and deletes; the table ends equal to the expected state', async () => {
      const topic = table('sink_bulk');
      const task = await startTask(db, {
        'insert.mode': 'upsert', 'pk.mode': 'record_key', 'delete.enabled': 'true', 'auto.create': 'true', 'batch.size': '3000',
      });
      const random = rng(42);
      const expected = new Map<number, Row>();
      const records: SinkRecord[] = [];
      const base = Date.UTC(2024, 0, 1);
      for (let i = 0; i < 100_000; i++) {
        let id: number;
        let del = false;
        if (i < 60_000) id = i + 1;
        else {
          id = 1 + Math.floor(random() * 60_000);
          del = random() < 0.25;
        }
        const key = new Struct(KEY).put('id', id);
        if (del) {
          expected.delete(id);
          records.push(rec(topic, i, key, KEY, null, null));
        } else {
          const r: Row = {
            name: random() < 0.1 ? null : `name-${id}-${i}-'"\`;`,
            amount: random() < 0.1 ? null : (Math.floor(random() * 1e7) / 100).toFixed(2),
            updatedMs: random() < 0.1 ? null : base + i * 1000 + 123,
            active: random() < 0.5,
          };
          expected.set(id, r);
          records.push(rec(topic, i, key, KEY, valueStruct(id, r), VALUE));
        }
      }
      const started = process.hrtime.bigint();
      for (let i = 0; i < records.length; i += 5000) await task.put(records.slice(i, i + 5000));
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      const rate = Math.round(records.length / secs);
      console.log(`# ${db}: upserted/deleted ${records.length} records in ${secs.toFixed(2)} s = ${rate} records/s`);
      await task.stop();

      const q = t.q;
      const rows = db === 'postgresql'
        ? await t.exec(`SELECT id::text AS k, name, amount::text AS amt, (EXTRACT(EPOCH FROM updated) * 1000)::bigint::text AS upd, active::int AS act FROM ${q(topic)} ORDER BY id`)
        : await t.exec(`SELECT CAST(id AS CHAR) AS k, name, CAST(amount AS CHAR) AS amt, CAST(ROUND(UNIX_TIMESTAMP(updated) * 1000) AS CHAR) AS upd, active AS act FROM ${q(topic)} ORDER BY id`);
      assert.equal(rows.length, expected.size, 'row count');
      const want = [...expected.entries()].sort((a, b) => a[0] - b[0]);
      for (let i = 0; i < rows.length; i++) {
        const got = rows[i]!;
        const [id, r] = want[i]!;
        const actual = `${String(got.k)}|${String(got.name)}|${String(got.amt)}|${String(got.upd)}|${Number(got.act)}`;
        const exp = `${id}|${String(r.name)}|${String(r.amount)}|${String(r.updatedMs)}|${r.active ? 1 : 0}`;
        if (actual !== exp) assert.equal(actual, exp, `row ${i}`);
      }
    });

    test('primitive record keys: delete then re-insert within one put() behaves as the record sequence', async () => {
      const name = table('sink_prim');
      await t.exec(`CREATE TABLE ${t.q(name)} (id BIGINT PRIMARY KEY, v VARCHAR(10), note VARCHAR(10) DEFAULT 'dflt')`);
      await t.exec(`INSERT INTO ${t.q(name)} (id, v, note) VALUES (1, 'old', 'custom'), (2, 'old', 'custom'), (3, 'old', 'custom')`);
      const schema = SchemaBuilder.struct().field('v', SchemaBuilder.string().build()).build();
      const keySchema: Schema = { type: 'INT64', optional: false };
      const task = await startTask(db, { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'id', 'delete.enabled': 'true' });
      const up = (off: number, id: number, v: string): SinkRecord => sinkRecord({ topic: name, kafkaPartition: 0, kafkaOffset: off, key: id, keySchema, value: new Struct(schema).put('v', v), valueSchema: schema });
      const del = (off: number, id: number): SinkRecord => sinkRecord({ topic: name, kafkaPartition: 0, kafkaOffset: off, key: id, keySchema, value: null, valueSchema: null });
      await task.put([up(0, 1, 'a'), del(1, 1), up(2, 1, 'b'), up(3, 2, 'x'), del(4, 3), up(5, 4, 'n')]);
      await task.stop();
      const rows = await t.exec(`SELECT id, v, note FROM ${t.q(name)} ORDER BY id`);
      assert.deepEqual(rows.map((r) => [Number(r.id), r.v, r.note]), [[1, 'b', 'dflt'], [2, 'x', 'custom'], [4, 'n', 'dflt']]);
    });

    test('db.timezone: Timestamp values are written as wall-clock time in that zone', async () => {
      const name = table('sink_tz');
      await t.exec(`CREATE TABLE ${t.q(name)} (id INT PRIMARY KEY, ts ${db === 'postgresql' ? 'TIMESTAMP(3)' : 'DATETIME(3)'}, d DATE, tm TIME(3))`);
      const schema = SchemaBuilder.struct().field('id', SchemaBuilder.int32().build())
        .field('ts', LogicalSchemas.timestamp().build()).field('d', LogicalSchemas.date().build()).field('tm', LogicalSchemas.time().build()).build();
      const task = await startTask(db, { 'db.timezone': 'Europe/Berlin' });
      await task.put([rec(name, 0, null, null, new Struct(schema).put('id', 1).put('ts', new Date(Date.UTC(2024, 6, 1, 10, 0, 0, 250)))
        .put('d', new Date(Date.UTC(2024, 1, 29))).put('tm', new Date(45_296_789)), schema)]);
      await task.stop();
      const rows = db === 'postgresql'
        ? await t.exec(`SELECT to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS') AS ts, d::text AS d, tm::text AS tm FROM ${t.q(name)}`)
        : await t.exec(`SELECT DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') AS ts, CAST(d AS CHAR) AS d, CAST(tm AS CHAR) AS tm FROM ${t.q(name)}`);
      assert.equal(String(rows[0]!.ts).slice(0, 23), '2024-07-01 12:00:00.250');
      assert.equal(rows[0]!.d, '2024-02-29');
      assert.equal(String(rows[0]!.tm), '12:34:56.789');
    });

    test('auto.create and auto.evolve: a schema that gains a field adds a nullable column', async () => {
      const topic = table('sink_evolve');
      const task = await startTask(db, { 'insert.mode': 'insert', 'pk.mode': 'record_value', 'pk.fields': 'id', 'auto.create': 'true', 'auto.evolve': 'true' });
      const v1 = SchemaBuilder.struct().name('v').field('id', SchemaBuilder.int32().build()).field('name', SchemaBuilder.string().build()).build();
      const v2 = SchemaBuilder.struct().name('v').field('id', SchemaBuilder.int32().build()).field('name', SchemaBuilder.string().build())
        .field('email', SchemaBuilder.string().optional().build())
        .field('score', SchemaBuilder.int32().defaultValue(7).build())
        .build();
      await task.put([rec(topic, 0, null, null, new Struct(v1).put('id', 1).put('name', 'a'), v1)]);
      await task.put([
        rec(topic, 1, null, null, new Struct(v2).put('id', 2).put('name', 'b').put('email', 'b@x'), v2),
        rec(topic, 2, null, null, new Struct(v1).put('id', 3).put('name', 'c'), v1),
      ]);
      // A schema that loses a field again must not drop the column.
      await task.stop();
      const rows = await t.exec(`SELECT id, name, email, score FROM ${t.q(topic)} ORDER BY id`);
      assert.deepEqual(rows.map((r) => [Number(r.id), r.name, r.email, r.score === null ? null : Number(r.score)]),
        [[1, 'a', null, 7], [2, 'b', 'b@x', 7], [3, 'c', null, 7]]);
    });

    test('a missing field without auto.evolve, or a required field without default, is a clear error', async () => {
      const topic = table('sink_noevolve');
      const v1 = SchemaBuilder.struct().field('id', SchemaBuilder.int32().build()).build();
      const v2 = SchemaBuilder.struct().field('id', SchemaBuilder.int32().build()).field('extra', SchemaBuilder.string().build()).build();
      const task = await startTask(db, { 'auto.create': 'true', 'max.retries': '0' });
      await task.put([rec(topic, 0, null, null, new Struct(v1).put('id', 1), v1)]);
      await assert.rejects(task.put([rec(topic, 1, null, null, new Struct(v2).put('id', 2).put('extra', 'x'), v2)]),
        (e: Error) => e instanceof ConnectError && !(e instanceof RetriableError) && /missing fields \(extra/.test(e.message) && /auto-evolution is disabled/.test(e.message));
      await task.stop();
      const evolving = await startTask(db, { 'auto.create': 'true', 'auto.evolve': 'true' });
      await assert.rejects(evolving.put([rec(topic, 1, null, null, new Struct(v2).put('id', 2).put('extra', 'x'), v2)]),
        (e: Error) => /Cannot ALTER TABLE .* to add missing field extra/.test(e.message));
      await evolving.stop();
      const missing = await startTask(db, {});
      await assert.rejects(missing.put([rec(table('sink_missing'), 0, null, null, new Struct(v1).put('id', 1), v1)]),
        (e: Error) => e instanceof ConnectError && /is missing and auto-creation is disabled/.test(e.message));
      await missing.stop();
    });

    test('injection-shaped table and column names are quoted, not executed', async () => {
      // MySQL identifiers are at most 64 characters: keep the names short.
      const tag = Math.random().toString(36).slice(2, 8);
      const victim = `v${tag}`;
      dropped.push(victim);
      await t.exec(`CREATE TABLE ${t.q(victim)} (id INT)`);
      const evil = `e${tag}"; DROP TABLE ${victim}; -- \`); DROP TABLE ${victim};`;
      dropped.push(evil);
      const col = `c"); DROP TABLE ${victim}; -- \`'`;
      const schema = SchemaBuilder.struct()
        .field('id', SchemaBuilder.int32().build())
        .field(col, SchemaBuilder.string().optional().build())
        .build();
      const task = await startTask(db, { 'auto.create': 'true', 'auto.evolve': 'true', 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' });
      const value = `'); DROP TABLE ${victim}; --`;
      await task.put([rec(evil, 0, null, null, new Struct(schema).put('id', 1).put(col, value), schema)]);
      await task.put([rec(evil, 1, null, null, new Struct(schema).put('id', 1).put(col, value + '2'), schema)]);
      await task.stop();
      assert.equal((await t.exec(`SELECT COUNT(*) AS n FROM ${t.q(victim)}`)).length, 1, 'victim table still exists');
      const rows = await t.exec(`SELECT ${t.q(col)} AS v FROM ${t.q(evil)}`);
      assert.deepEqual(rows.map((r) => r.v), [value + '2']);
    });

    test('pk.mode=kafka with insert.mode=insert, and insert.mode=update', async () => {
      const topic = table('sink_kafka');
      const schema = SchemaBuilder.struct().field('v', SchemaBuilder.string().build()).build();
      const task = await startTask(db, { 'pk.mode': 'kafka', 'auto.create': 'true', 'table.name.format': 'kafka_${topic}' });
      dropped.push(`kafka_${topic}`);
      await task.put([rec(topic, 5, null, null, new Struct(schema).put('v', 'x'), schema), rec(topic, 6, null, null, new Struct(schema).put('v', 'y'), schema)]);
      await task.stop();
      const rows = await t.exec(`SELECT __connect_topic AS t, __connect_partition AS p, __connect_offset AS o, v FROM ${t.q(`kafka_${topic}`)} ORDER BY __connect_offset`);
      assert.deepEqual(rows.map((r) => [r.t, Number(r.p), Number(r.o), r.v]), [[topic, 0, 5, 'x'], [topic, 0, 6, 'y']]);

      const upd = table('sink_update');
      await t.exec(`CREATE TABLE ${t.q(upd)} (id INT PRIMARY KEY, v VARCHAR(10))`);
      await t.exec(`INSERT INTO ${t.q(upd)} (id, v) VALUES (1, 'a'), (2, 'b')`);
      const s2 = SchemaBuilder.struct().field('id', SchemaBuilder.int32().build()).field('v', SchemaBuilder.string().build()).build();
      const updater = await startTask(db, { 'insert.mode': 'update', 'pk.mode': 'record_value', 'pk.fields': 'id' });
      await updater.put([rec(upd, 0, null, null, new Struct(s2).put('id', 2).put('v', 'B'), s2), rec(upd, 1, null, null, new Struct(s2).put('id', 3).put('v', 'C'), s2)]);
      await updater.stop();
      const after2 = await t.exec(`SELECT id, v FROM ${t.q(upd)} ORDER BY id`);
      assert.deepEqual(after2.map((r) => [Number(r.id), r.v]), [[1, 'a'], [2, 'B']]);
    });

    test('schemaless records and tombstones without delete.enabled are DataErrors', async () => {
      const task = await startTask(db, { 'auto.create': 'true' });
      await assert.rejects(task.put([rec(table('sink_schemaless'), 0, null, null, { id: 1 }, null)]),
        (e: Error) => e instanceof DataError && /schema/.test(e.message) && /schemas.enable=true/.test(e.message));
      await assert.rejects(task.put([rec(table('sink_tomb'), 0, null, null, null, null)]),
        (e: Error) => e instanceof DataError && /delete.enabled=false/.test(e.message));
      await task.stop();
    });

    test('an unreachable database gives a RetriableError naming the cause', async () => {
      const props = connectionProps(db);
      props['connection.url'] = props['connection.url']!.replace(/:\d+\//, ':1/');
      const task = new JdbcSinkTask();
      task.initialize(sinkTaskContext(testLogger()));
      task.start({ ...props, 'connection.attempts': '1', 'auto.create': 'true', 'max.retries': '1', 'retry.backoff.ms': '10' });
      const schema = SchemaBuilder.struct().field('id', SchemaBuilder.int32().build()).build();
      const batch = [rec('unreachable', 0, null, null, new Struct(schema).put('id', 1), schema)];
      await assert.rejects(task.put(batch), (e: Error) => e instanceof RetriableError && /ECONNREFUSED/.test(e.message) && /127\.0\.0\.1:1/.test(e.message));
      await assert.rejects(task.put(batch), (e: Error) => !(e instanceof RetriableError) && e instanceof ConnectError && /after 1 retries/.test(e.message));
      await task.stop();
    });

    test('delete.enabled requires pk.mode=record_key; upsert requires a pk.mode', () => {
      const c = new JdbcSinkConnector();
      assert.throws(() => c.start({ ...connectionProps(db), 'delete.enabled': 'true', 'pk.mode': 'record_value' }), /record_key/);
      assert.throws(() => c.start({ ...connectionProps(db), 'insert.mode': 'upsert' }), /pk.mode/);
      assert.deepEqual(c.validate({ ...connectionProps(db), 'delete.enabled': 'true' })['delete.enabled']?.length, 1);
    });
  });
}
