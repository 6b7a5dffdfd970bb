// JdbcSourceConnector / JdbcSourceTask against the local PostgreSQL and MariaDB servers: every mode captures
// exactly what it promises, offsets survive a task restart without duplicates, late commits inside
// timestamp.delay.interval.ms are not lost, and table discovery follows created and dropped tables.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, Decimal, LOGICAL, RetriableError, Struct, type Props, type SourceRecord,
} from '../../src/connect/api/index.js';
import { JdbcSourceConnector, JdbcSourceTask } from '../../src/connectors/jdbc/index.js';
import {
  MemoryOffsets, connectionProps, connectorContext, openTestDb, sourceTaskContext, testLogger, uniqueName,
  type Db, type TestDb,
} from '../helpers/db.js';
import { sleep } from '../../src/backoff.js';

const FAST = { 'poll.interval.ms': '50', 'topic.prefix': 'jdbc-' };

async function startTask(props: Props, offsets: MemoryOffsets): Promise<JdbcSourceTask> {
  const task = new JdbcSourceTask();
  task.initialize(sourceTaskContext(offsets, testLogger()));
  await task.start(props);
  return task;
}

/** Task configs the connector hands out for these props. */
async function taskConfigs(props: Props, maxTasks = 1): Promise<Props[]> {
  const c = new JdbcSourceConnector();
  c.initialize(connectorContext(testLogger()));
  await c.start(props);
  const configs = await c.taskConfigs(maxTasks);
  await c.stop();
  return configs;
}

/** Polls until nothing new arrived for `quietMs`, committing offsets as a runtime would after each batch. */
async function drain(task: JdbcSourceTask, offsets: MemoryOffsets, quietMs = 400, maxMs = 10_000): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const ac = new AbortController();
  const started = Date.now();
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() - started < maxMs) {
    const r = await task.poll(ac.signal);
    if (r && r.length > 0) {
      out.push(...r);
      offsets.commit(r);
      quietSince = Date.now();
    }
  }
  return out;
}

const ids = (rs: readonly SourceRecord[]): number[] => rs.map((r) => Number((r.value as Struct).get('id')));

for (const db of ['postgresql', 'mysql'] as const) {
  describe(`JDBC source on ${db}`, () => {
    let t: TestDb;
    const tables: string[] = [];
    const pg = db === 'postgresql';
    const serial = pg ? 'SERIAL PRIMARY KEY' : 'INT AUTO_INCREMENT PRIMARY KEY';
    const ts6 = pg ? 'TIMESTAMP(6)' : 'DATETIME(6)';
    const nowSql = pg ? 'clock_timestamp()' : 'NOW(6)';
    /** The partition's table name as the Java connector stores it. */
    const fqn = (name: string): string => (pg ? `test.public.${name}` : `test.${name}`);

    before(async () => { t = await openTestDb(db); });
    after(async () => {
      for (const name of tables) await t.exec(`DROP TABLE IF EXISTS ${t.q(name)}`).catch((e: Error) => console.error(`# could not drop ${name}: ${e.message}`));
      await t.close();
    });
    const table = async (prefix: string, columns: string): Promise<string> => {
      const name = uniqueName(prefix);
      tables.push(name);
      await t.exec(`CREATE TABLE ${t.q(name)} (${columns})`);
      return name;
    };
    const base = (db2: Db, name: string, extra: Record<string, string>): Props => ({ ...connectionProps(db2), ...FAST, 'table.whitelist': name, ...extra });

    test('bulk mode copies the whole table each pass with the legacy partition and no offset', async () => {
      const name = await table('src_bulk', `id INT NOT NULL, name VARCHAR(20)`);
      await t.exec(`INSERT INTO ${t.q(name)} (id, name) VALUES (1, 'a'), (2, 'b'), (3, NULL)`);
      const [cfg] = await taskConfigs(base(db, name, { mode: 'bulk', 'poll.interval.ms': '60000' }));
      const task = await startTask(cfg!, new MemoryOffsets());
      const first = await task.poll(new AbortController().signal);
      assert.deepEqual(ids(first ?? []).sort(), [1, 2, 3]);
      const r = first![0]!;
      assert.equal(r.topic, `jdbc-${name}`);
      assert.deepEqual(r.sourcePartition, { table: name });
      assert.equal(r.sourceOffset, null);
      assert.equal(r.key, null);
      assert.equal(r.valueSchema?.name, name);
      assert.deepEqual(r.valueSchema?.fields?.map((f) => [f.name, f.schema.type, f.schema.optional]), [['id', 'INT32', false], ['name', 'STRING', true]]);
      assert.equal(await task.poll(new AbortController().signal), null, 'the next pass waits for poll.interval.ms');
      await task.stop();
    });

    test('incrementing mode captures inserts only, in order, with protocol-1 offsets', async () => {
      const name = await table('src_inc', `id ${serial}, name VARCHAR(20)`);
      await t.exec(`INSERT INTO ${t.q(name)} (name) VALUES ('a'), ('b'), ('c'), ('d'), ('e')`);
      const offsets = new MemoryOffsets();
      const [cfg] = await taskConfigs(base(db, name, { mode: 'incrementing', 'incrementing.column.name': 'id', 'batch.max.rows': '2' }));
      const task = await startTask(cfg!, offsets);
      const first = await drain(task, offsets);
      assert.deepEqual(ids(first), [1, 2, 3, 4, 5]);
      assert.equal(JSON.stringify(first[4]!.sourcePartition), JSON.stringify({ protocol: '1', table: fqn(name) }));
      assert.equal(JSON.stringify(first[4]!.sourceOffset), '{"incrementing":5}');
      await t.exec(`UPDATE ${t.q(name)} SET name = 'A' WHERE id = 1`);
      await t.exec(`INSERT INTO ${t.q(name)} (name) VALUES ('f'), ('g')`);
      assert.deepEqual(ids(await drain(task, offsets)), [6, 7], 'updates are not captured in incrementing mode');
      await task.stop();
    });

    test('incrementing column is autodetected from the auto-increment column', async () => {
      const name = await table('src_auto', `id ${serial}, v INT`);
      await t.exec(`INSERT INTO ${t.q(name)} (v) VALUES (10), (20)`);
      const offsets = new MemoryOffsets();
      const [cfg] = await taskConfigs(base(db, name, { mode: 'incrementing' }));
      const task = await startTask(cfg!, offsets);
      assert.deepEqual(ids(await drain(task, offsets)), [1, 2]);
      await task.stop();
    });

    test('timestamp mode captures inserts and updates via the COALESCE of several columns', async () => {
      const name = await table('src_ts', `id INT NOT NULL, created ${ts6} NOT NULL, modified ${ts6} NULL`);
      await t.exec(`INSERT INTO ${t.q(name)} (id, created, modified) VALUES (1, '2024-01-01 00:00:01', NULL), (2, '2024-01-01 00:00:02', NULL), (3, '2024-01-01 00:00:03', '2024-01-01 00:00:04.5')`);
      const offsets = new MemoryOffsets();
      const [cfg] = await taskConfigs(base(db, name, { mode: 'timestamp', 'timestamp.column.name': 'modified,created' }));
      const task = await startTask(cfg!, offsets);
      const first = await drain(task, offsets);
      assert.deepEqual(ids(first), [1, 2, 3]);
      assert.equal(JSON.stringify(first[2]!.sourceOffset), `{"timestamp_nanos":500000000,"timestamp":${Date.UTC(2024, 0, 1, 0, 0, 4, 500)}}`);
      assert.ok((first[0]!.value as Struct).get('created') instanceof Date);
      await t.exec(`UPDATE ${t.q(name)} SET modified = '2024-01-02 00:00:00' WHERE id = 1`);
      assert.deepEqual(ids(await drain(task, offsets)), [1], 'the update is captured once');
      await task.stop();
    });

    test('timestamp+incrementing: rows sharing one timestamp survive a task restart without loss or duplicates', async () => {
      const name = await table('src_tsinc', `id ${serial}, ts ${ts6} NOT NULL, name VARCHAR(20)`);
      await t.exec(`INSERT INTO ${t.q(name)} (ts, name) VALUES ${[1, 2, 3, 4, 5].map((i) => `('2024-03-01 10:00:00.123456', 'r${i}')`).join(',')}`);
      const offsets = new MemoryOffsets();
      const [cfg] = await taskConfigs(base(db, name, { mode: 'timestamp+incrementing', 'timestamp.column.name': 'ts', 'incrementing.column.name': 'id', 'batch.max.rows': '2' }));
      const task1 = await startTask(cfg!, offsets);
      const firstBatch = await task1.poll(new AbortController().signal);
      assert.deepEqual(ids(firstBatch ?? []), [1, 2]);
      offsets.commit(firstBatch!);
      assert.equal(JSON.stringify(firstBatch![1]!.sourceOffset), `{"timestamp_nanos":123456000,"incrementing":2,"timestamp":${Date.UTC(2024, 2, 1, 10, 0, 0, 123)}}`);
      await task1.stop();

      const task2 = await startTask(cfg!, offsets);
      assert.deepEqual(ids(await drain(task2, offsets)), [3, 4, 5], 'the restarted task continues after id 2 at the same timestamp');
      await t.exec(`UPDATE ${t.q(name)} SET ts = '2024-03-01 10:00:01' WHERE id = 2`);
      await t.exec(`INSERT INTO ${t.q(name)} (ts, name) VALUES ('2024-03-01 10:00:01', 'r6')`);
      assert.deepEqual(ids(await drain(task2, offsets)), [2, 6], 'updated row and new row sharing its timestamp, ordered by (ts, id)');
      await task2.stop();

      // An offset written by the Java connector (same partition and value shape) is picked up as-is.
      const javaOffsets = new MemoryOffsets();
      javaOffsets.set({ protocol: '1', table: fqn(name) }, { timestamp_nanos: 123456000, incrementing: 4, timestamp: Date.UTC(2024, 2, 1, 10, 0, 0, 123) });
      const task3 = await startTask(cfg!, javaOffsets);
      assert.deepEqual(ids(await drain(task3, javaOffsets)), [5, 2, 6]);
      await task3.stop();
    });

    test('a row committed late within timestamp.delay.interval.ms is not lost (and is lost without the delay)', async () => {
      const late = await openTestDb(db);
      try {
        for (const delay of [1500, 0]) {
          const name = await table('src_late', `id ${serial}, ts ${ts6} NOT NULL, name VARCHAR(20)`);
          const offsets = new MemoryOffsets();
          const [cfg] = await taskConfigs(base(db, name, {
            mode: 'timestamp+incrementing', 'timestamp.column.name': 'ts', 'incrementing.column.name': 'id',
            'timestamp.delay.interval.ms': String(delay),
          }));
          const task = await startTask(cfg!, offsets);
          await late.exec(pg ? 'BEGIN' : 'START TRANSACTION');
          await late.exec(`INSERT INTO ${t.q(name)} (ts, name) VALUES (${nowSql}, 'late')`);
          await sleep(20);
          await t.exec(`INSERT INTO ${t.q(name)} (ts, name) VALUES (${nowSql}, 'early')`);
          const beforeCommit = await drain(task, offsets, 300);
          await late.exec('COMMIT');
          const afterCommit = await drain(task, offsets, delay + 600);
          const names = [...beforeCommit, ...afterCommit].map((r) => (r.value as Struct).get('name'));
          if (delay > 0) {
            assert.deepEqual(beforeCommit.length, 0, 'nothing is published inside the delay window');
            assert.deepEqual(names, ['late', 'early']);
          } else {
            assert.deepEqual(names, ['early'], 'without a delay the late row is skipped (why the delay exists)');
          }
          await task.stop();
        }
      } finally {
        await late.close();
      }
    });

    test('query mode: criteria appended to the query, topic = prefix, partition {"query":"query"}', async () => {
      const name = await table('src_query', `id ${serial}, name VARCHAR(20), secret VARCHAR(20)`);
      await t.exec(`INSERT INTO ${t.q(name)} (name, secret) VALUES ('a', 'x'), ('b', 'y')`);
      const offsets = new MemoryOffsets();
      const props: Props = {
        ...connectionProps(db), ...FAST, 'topic.prefix': 'query-topic', mode: 'incrementing', 'incrementing.column.name': 'id',
        query: `SELECT id, name FROM ${t.q(name)}`,
      };
      const configs = await taskConfigs(props, 4);
      assert.equal(configs.length, 1, 'query mode runs one task');
      const task = await startTask(configs[0]!, offsets);
      const rs = await drain(task, offsets);
      assert.deepEqual(ids(rs), [1, 2]);
      assert.equal(rs[0]!.topic, 'query-topic');
      assert.deepEqual(rs[0]!.sourcePartition, { query: 'query' });
      assert.deepEqual(rs[0]!.valueSchema?.fields?.map((f) => f.name), ['id', 'name']);
      assert.equal(rs[0]!.valueSchema?.name, undefined);
      await task.stop();
    });

    test('column types map to Connect schemas (numeric.mapping none and best_fit)', async () => {
      const cols = pg
        ? `id INT NOT NULL, i2 SMALLINT, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION, n NUMERIC(10,2), n5 NUMERIC(5,0), nu NUMERIC,
           b BOOLEAN, s TEXT, vc VARCHAR(5), bin BYTEA, d DATE, tm TIME, tsz TIMESTAMPTZ, ts TIMESTAMP(6), u UUID, j JSONB`
        : `id INT NOT NULL, i2 SMALLINT, i8 BIGINT, f4 FLOAT, f8 DOUBLE, n DECIMAL(10,2), n5 DECIMAL(5,0), tiny TINYINT(1), ut SMALLINT UNSIGNED,
           s TEXT, vc VARCHAR(5), bin VARBINARY(10), d DATE, tm TIME(3), tsz TIMESTAMP(6) NULL, ts DATETIME(6), y YEAR, e ENUM('x','y'), j JSON`;
      const name = await table('src_types', cols);
      if (pg) {
        await t.exec(`INSERT INTO ${t.q(name)} VALUES (1, -5, 9007199254740993, 1.1, 2.5, 12345678.91, 12345, 3.14159, true, 'héllo', 'abc', '\\x00ff'::bytea,
          '2024-02-29', '13:14:15.5', '2024-02-29 12:00:00+02', '2024-02-29 23:59:59.999999', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}')`);
      } else {
        await t.exec(`INSERT INTO ${t.q(name)} VALUES (1, -5, 9007199254740993, 1.1, 2.5, 12345678.91, 12345, 1, 65535, 'héllo', 'abc', X'00ff',
          '2024-02-29', '13:14:15.5', '2024-02-29 10:00:00', '2024-02-29 23:59:59.999999', 2024, 'y', '{"a": 1}')`);
      }
      await t.exec(`INSERT INTO ${t.q(name)} (id) VALUES (2)`);
      for (const mapping of ['none', 'best_fit']) {
        const offsets = new MemoryOffsets();
        const [cfg] = await taskConfigs(base(db, name, { mode: 'bulk', 'numeric.mapping': mapping }));
        const task = await startTask(cfg!, offsets);
        const rs = (await task.poll(new AbortController().signal))!;
        await task.stop();
        rs.sort((a, b) => Number((a.value as Struct).get('id')) - Number((b.value as Struct).get('id')));
        const v = rs[0]!.value as Struct;
        const type = (f: string): string => {
          const s = v.schema.fields!.find((x) => x.name === f)!.schema;
          return `${s.name ?? s.type}${s.optional ? '?' : ''}`;
        };
        assert.equal(type('id'), 'INT32');
        assert.equal(type('i2'), 'INT16?');
        assert.equal(type('i8'), 'INT64?');
        assert.equal(v.get('i8'), 9007199254740993n);
        assert.equal(type('f4'), 'FLOAT32?');
        assert.equal(v.get('f4'), 1.1);
        assert.equal(v.get('f8'), 2.5);
        // Like the Java connector, numeric.mapping applies to NUMERIC columns; MySQL reports DECIMAL, which stays Decimal.
        if (mapping === 'best_fit' && pg) {
          assert.equal(type('n'), 'FLOAT64?');
          assert.equal(v.get('n'), 12345678.91);
          assert.equal(type('n5'), 'INT32?');
          assert.equal(v.get('n5'), 12345);
        } else {
          assert.equal(type('n'), `${LOGICAL.DECIMAL}?`);
          assert.ok((v.get('n') as Decimal).equals(Decimal.parse('12345678.91')));
          assert.equal((v.get('n5') as Decimal).toString(), '12345');
        }
        if (pg) {
          assert.equal(type('nu'), `${LOGICAL.DECIMAL}?`, 'unconstrained numeric stays Decimal');
          assert.equal((v.get('nu') as Decimal).toNumber(), 3.14159);
          assert.equal(type('b'), 'BOOLEAN?');
          assert.equal(v.get('b'), true);
          assert.equal(v.get('u'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
          assert.equal(v.get('j'), '{"a": 1}');
          assert.equal((v.get('tsz') as Date).toISOString(), '2024-02-29T10:00:00.000Z');
        } else {
          assert.equal(type('tiny'), 'INT8?', 'TINYINT(1) maps as the Java connector maps BIT');
          assert.equal(v.get('tiny'), 1);
          assert.equal(type('ut'), 'INT32?');
          assert.equal(v.get('ut'), 65535);
          assert.equal(v.get('e'), 'y');
          assert.equal(v.get('j'), '{"a": 1}');
          assert.equal(type('y'), `${LOGICAL.DATE}?`);
          assert.equal((v.get('y') as Date).toISOString(), '2024-01-01T00:00:00.000Z');
          assert.equal((v.get('tsz') as Date).toISOString(), '2024-02-29T10:00:00.000Z');
        }
        assert.equal(v.get('s'), 'héllo');
        assert.equal(type('bin'), 'BYTES?');
        assert.deepEqual(v.get('bin'), Buffer.from([0, 255]));
        assert.equal(type('d'), `${LOGICAL.DATE}?`);
        assert.equal((v.get('d') as Date).toISOString(), '2024-02-29T00:00:00.000Z');
        assert.equal(type('tm'), `${LOGICAL.TIME}?`);
        assert.equal((v.get('tm') as Date).getTime(), (13 * 3600 + 14 * 60 + 15) * 1000 + 500);
        assert.equal(type('ts'), `${LOGICAL.TIMESTAMP}?`);
        assert.equal((v.get('ts') as Date).toISOString(), '2024-02-29T23:59:59.999Z');
        const nulls = rs[1]!.value as Struct;
        assert.equal(nulls.get('s'), null);
        assert.equal(nulls.get('ts'), null);
      }
    });

    test('a column type that cannot be mapped fails with a ConfigError naming table and column', async () => {
      const name = await table('src_badtype', pg ? 'id INT NOT NULL, span INTERVAL' : 'id INT NOT NULL, span POINT');
      await t.exec(pg ? `INSERT INTO ${t.q(name)} VALUES (1, '1 day')` : `INSERT INTO ${t.q(name)} VALUES (1, POINT(1, 2))`);
      const [cfg] = await taskConfigs(base(db, name, { mode: 'bulk' }));
      const task = await startTask(cfg!, new MemoryOffsets());
      await assert.rejects(task.poll(new AbortController().signal),
        (e: Error) => e instanceof ConfigError && e.message.includes('"span"') && e.message.includes(name));
      await task.stop();
    });

    test('validate.non.null refuses a nullable incrementing column', async () => {
      const name = await table('src_nullable', 'id INT NULL, v INT');
      const [cfg] = await taskConfigs(base(db, name, { mode: 'incrementing', 'incrementing.column.name': 'id' }));
      await assert.rejects(startTask(cfg!, new MemoryOffsets()), (e: Error) => e instanceof ConfigError && /nullable/.test(e.message));
      const ok = await startTask({ ...cfg!, 'validate.non.null': 'false' }, new MemoryOffsets());
      await ok.stop();
    });

    test('tables spread over tasks; created and dropped tables trigger reconfiguration', async () => {
      const prefix = uniqueName('disc');
      const names: string[] = [];
      for (const i of [1, 2, 3]) names.push(await table(`${prefix}_${i}`, 'id INT NOT NULL'));
      const ctx = connectorContext(testLogger());
      const c = new JdbcSourceConnector();
      c.initialize(ctx);
      await c.start({ ...connectionProps(db), ...FAST, mode: 'bulk', 'table.include.list': `.*\\.${prefix}_.*`, 'table.poll.interval.ms': '100' });
      const configs = await c.taskConfigs(2);
      assert.equal(configs.length, 2);
      const assigned = configs.map((cfg) => cfg.tables!);
      assert.equal(assigned.join(',').split(',').length, 3);
      assert.ok(assigned[0]!.includes(names[0]!) && assigned[0]!.includes(names[1]!) && assigned[1]!.includes(names[2]!), assigned.join(' | '));
      const waitFor = async (n: number): Promise<void> => {
        const until = Date.now() + 5000;
        while (ctx.reconfigurations < n && Date.now() < until) await sleep(50);
        assert.equal(ctx.reconfigurations, n);
      };
      names.push(await table(`${prefix}_4`, 'id INT NOT NULL'));
      await waitFor(1);
      assert.equal((await c.taskConfigs(8)).length, 4);
      await t.exec(`DROP TABLE ${t.q(names[0]!)}`);
      await waitFor(2);
      assert.equal((await c.taskConfigs(8)).length, 3);
      await c.stop();

      const wl = await taskConfigs({ ...connectionProps(db), ...FAST, mode: 'bulk', 'table.whitelist': `${fqn(names[1]!)},${names[2]!}` }, 8);
      assert.equal(wl.length, 2, 'whitelist accepts qualified and plain names');
    });

    test('after a lost connection the task reconnects and resumes without duplicates', async () => {
      const name = await table('src_kill', `id ${serial}, v INT`);
      await t.exec(`INSERT INTO ${t.q(name)} (v) VALUES (1), (2), (3)`);
      const offsets = new MemoryOffsets();
      const appName = `ferry-kill-${process.pid}-${Date.now()}`;
      const props = base(db, name, { mode: 'incrementing', 'incrementing.column.name': 'id' });
      if (pg) props['connection.url'] = `${props['connection.url']!}?ApplicationName=${appName}`;
      const [cfg] = await taskConfigs(props);
      const before = pg ? [] : (await t.exec('SELECT ID AS id FROM information_schema.PROCESSLIST')).map((r) => Number(r.id));
      const task = await startTask(cfg!, offsets);
      assert.deepEqual(ids(await drain(task, offsets)), [1, 2, 3]);
      let killed = 0;
      if (pg) {
        killed = (await t.exec('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName])).length;
      } else {
        const mine = (await t.exec('SELECT CONNECTION_ID() AS id'))[0]!.id;
        for (const r of await t.exec("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = 'test' AND ID <> ?", [mine])) {
          if (!before.includes(Number(r.id))) { await t.exec(`KILL ${Number(r.id)}`); killed++; }
        }
      }
      assert.ok(killed >= 1, 'the task connection was killed');
      await t.exec(`INSERT INTO ${t.q(name)} (v) VALUES (4)`);
      await sleep(100);
      const ac = new AbortController();
      let failure: unknown = null;
      const got: SourceRecord[] = [];
      for (let i = 0; i < 40 && got.length === 0; i++) {
        try {
          const r = await task.poll(ac.signal);
          if (r) { got.push(...r); offsets.commit(r); }
        } catch (e) {
          failure = e;
        }
      }
      // A connection dropped while idle is replaced silently; one dropped mid-query surfaces as a RetriableError.
      assert.ok(failure === null || failure instanceof RetriableError, `expected a RetriableError, got ${String(failure)}`);
      assert.deepEqual(ids(got), [4]);
      await task.stop();
    });

    test('db.timezone interprets zone-less timestamps and binds offsets in that zone', async () => {
      const name = await table('src_tz', `id INT NOT NULL, ts ${ts6} NOT NULL`);
      await t.exec(`INSERT INTO ${t.q(name)} VALUES (1, '2024-01-01 12:00:00'), (2, '2024-07-01 12:00:00')`);
      const offsets = new MemoryOffsets();
      const [cfg] = await taskConfigs(base(db, name, { mode: 'timestamp', 'timestamp.column.name': 'ts', 'db.timezone': 'Europe/Berlin' }));
      const task = await startTask(cfg!, offsets);
      const rs = await drain(task, offsets);
      assert.deepEqual(rs.map((r) => ((r.value as Struct).get('ts') as Date).toISOString()), ['2024-01-01T11:00:00.000Z', '2024-07-01T10:00:00.000Z']);
      assert.equal(rs[1]!.sourceOffset!.timestamp, Date.UTC(2024, 6, 1, 10));
      await t.exec(`INSERT INTO ${t.q(name)} VALUES (3, '2024-07-01 12:00:01')`);
      assert.deepEqual(ids(await drain(task, offsets)), [3], 'the stored offset, bound in Europe/Berlin, selects only the newer row');
      await task.stop();
    });

    test('a table dropped under a running task is retried quietly until the connector reassigns tasks', async () => {
      const name = await table('src_dropped', `id ${serial}`);
      await t.exec(`INSERT INTO ${t.q(name)} (id) VALUES (1)`);
      const offsets = new MemoryOffsets();
      const [cfg] = await taskConfigs(base(db, name, { mode: 'incrementing', 'incrementing.column.name': 'id' }));
      const task = await startTask(cfg!, offsets);
      assert.deepEqual(ids(await drain(task, offsets, 200)), [1]);
      await t.exec(`DROP TABLE ${t.q(name)}`);
      assert.deepEqual(await drain(task, offsets, 200), []);
      await task.stop();
    });

    test('an unreachable database gives a RetriableError naming the cause', async () => {
      const props: Props = { ...connectionProps(db), ...FAST, mode: 'bulk', 'connection.attempts': '2', 'connection.backoff.ms': '10' };
      props['connection.url'] = props['connection.url']!.replace(/:\d+\//, ':1/');
      const c = new JdbcSourceConnector();
      c.initialize(connectorContext(testLogger()));
      await assert.rejects(c.start(props), (e: Error) => e instanceof RetriableError && /ECONNREFUSED/.test(e.message) && /after 2 attempt/.test(e.message));
      await assert.rejects(startTask({ ...props, tables: '"x"', 'tables.fetched': 'true' }, new MemoryOffsets()),
        (e: Error) => e instanceof RetriableError && /ECONNREFUSED/.test(e.message));
    });
  });
}
