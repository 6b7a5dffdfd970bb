// HTTP mapping of /connectors/* onto the Herder, against an in-memory fake herder: status codes, bodies,
// headers and Connect's error shapes. (The runtime's conformance is tested elsewhere against the real herder.)
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { AlreadyExistsError, BadRequestError, NotFoundError, RestError } from '../../src/connect/api/errors.js';
import type {
  ConfigInfos, ConnectorInfo, ConnectorOffset, ConnectorStateInfo, PluginInfo, ServerInfo, TargetState, TaskInfo, TaskState,
} from '../../src/connect/herder/herder.js';
import type { ConfigKeyInfo } from '../../src/connect/api/config-def.js';
import { createRestServer, type RestHerder, type RestServer, type InternalRequestSignature } from '../../src/connect/rest/server.js';
import { sleep } from '../../src/backoff.js';

interface FakeConnector { config: Record<string, string>; target: TargetState; offsets: ConnectorOffset[]; topics: string[]; tasks: number }

type Call = [string, ...unknown[]];

/** A small in-memory herder that records calls and answers with Connect's messages. */
class FakeHerder implements RestHerder {
  readonly connectorsByName = new Map<string, FakeConnector>();
  readonly calls: Call[] = [];
  /** Makes every herder call wait this long (timeout tests). */
  delayMs = 0;
  /** Makes every herder call never settle. */
  hang = false;
  /** Thrown by the next herder call, once. */
  failNext: Error | null = null;
  /** Connectors that vanish when their status or info is read (GET /connectors?expand races). */
  readonly vanishing = new Set<string>();

  private async enter(name: string, ...args: unknown[]): Promise<void> {
    this.calls.push([name, ...args]);
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.hang) await new Promise<never>(() => {});
    const fail = this.failNext;
    if (fail) { this.failNext = null; throw fail; }
  }

  private get(name: string, message = `Connector ${name} not found`): FakeConnector {
    const c = this.connectorsByName.get(name);
    if (!c || this.vanishing.has(name)) throw new NotFoundError(message);
    return c;
  }

  private info(name: string): ConnectorInfo {
    const c = this.get(name);
    const tasks = Array.from({ length: c.tasks }, (_, task) => ({ connector: name, task }));
    return { name, config: { ...c.config }, tasks, type: c.config['connector.class']?.includes('Sink') ? 'sink' : 'source' };
  }

  add(name: string, config: Record<string, string> = {}, tasks = 2): void {
    this.connectorsByName.set(name, { config: { 'connector.class': 'FileStreamSource', name, ...config }, target: 'STARTED', offsets: [], topics: [], tasks });
  }

  ready(): boolean { return true; }
  async serverInfo(): Promise<ServerInfo> { await this.enter('serverInfo'); return { version: '4.1.0', commit: 'c0ffee', kafka_cluster_id: 'cluster-1' }; }
  workerId(): string { return '127.0.0.1:8083'; }
  async connectors(): Promise<string[]> { await this.enter('connectors'); return [...this.connectorsByName.keys()]; }
  async connectorInfo(name: string): Promise<ConnectorInfo> { await this.enter('connectorInfo', name); return this.info(name); }
  async connectorConfig(name: string): Promise<Record<string, string>> { await this.enter('connectorConfig', name); return { ...this.get(name).config }; }

  async putConnectorConfig(name: string, config: Record<string, string>, opts: { allowReplace: boolean; initialState?: TargetState }): Promise<{ created: boolean; info: ConnectorInfo }> {
    await this.enter('putConnectorConfig', name, config, opts);
    const existing = this.connectorsByName.get(name);
    if (existing && !opts.allowReplace) throw new AlreadyExistsError(`Connector ${name} already exists`);
    if (!config['connector.class']) throw new BadRequestError(`Connector config {name=${name}} contains no connector type`);
    if (existing) existing.config = { ...config };
    else this.connectorsByName.set(name, { config: { ...config }, target: opts.initialState ?? 'STARTED', offsets: [], topics: [], tasks: 1 });
    return { created: !existing, info: this.info(name) };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    await this.enter('patchConnectorConfig', name, patch);
    const c = this.get(name);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete c.config[k];
      else c.config[k] = v;
    }
    return this.info(name);
  }

  async deleteConnector(name: string): Promise<void> { await this.enter('deleteConnector', name); this.get(name); this.connectorsByName.delete(name); }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    await this.enter('connectorStatus', name);
    const c = this.get(name, `No status found for connector ${name}`);
    const state = c.target === 'STARTED' ? 'RUNNING' : c.target;
    const tasks: TaskState[] = Array.from({ length: c.tasks }, (_, id) => ({ id, state, worker_id: this.workerId(), trace: '' }));
    tasks.reverse();
    if (tasks[0]) tasks[0] = { ...tasks[0], state: 'FAILED', trace: 'java.lang.RuntimeException: boom' };
    return { name, connector: { state, worker_id: this.workerId() }, tasks, type: 'source' };
  }

  async taskStatus(name: string, task: number): Promise<TaskState> {
    await this.enter('taskStatus', name, task);
    const c = this.connectorsByName.get(name);
    if (!c || task < 0 || task >= c.tasks) throw new NotFoundError(`No status found for task ${name}-${task}`);
    return { id: task, state: 'RUNNING', worker_id: this.workerId() };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    await this.enter('taskConfigs', name);
    const c = this.get(name);
    return Array.from({ length: c.tasks }, (_, task) => ({ id: { connector: name, task }, config: { 'task.class': 'FileStreamSourceTask' } }));
  }

  async pauseConnector(name: string): Promise<void> { await this.enter('pauseConnector', name); this.get(name, `Unknown connector ${name}`).target = 'PAUSED'; }
  async resumeConnector(name: string): Promise<void> { await this.enter('resumeConnector', name); this.get(name, `Unknown connector ${name}`).target = 'STARTED'; }
  async stopConnector(name: string): Promise<void> { await this.enter('stopConnector', name); this.get(name, `Unknown connector ${name}`).target = 'STOPPED'; }

  async restartConnector(name: string, opts: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo | null> {
    await this.enter('restartConnector', name, opts);
    this.get(name, `Unknown connector: ${name}`);
    if (!opts.includeTasks && !opts.onlyFailed) return null;
    return { name, connector: { state: 'RESTARTING', worker_id: this.workerId() }, tasks: [{ id: 0, state: 'RESTARTING', worker_id: this.workerId() }], type: 'source' };
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.enter('restartTask', name, task);
    const c = this.get(name, `Unknown connector: ${name}`);
    if (task < 0 || task >= c.tasks) throw new NotFoundError(`Unknown task: ${name}-${task}`);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffset[]> { await this.enter('connectorOffsets', name); return this.get(name).offsets; }

  async alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<string> {
    await this.enter('alterConnectorOffsets', name, offsets);
    const c = this.get(name);
    if (c.target !== 'STOPPED') {
      throw new BadRequestError(`Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
    }
    c.offsets = offsets;
    return 'The offsets for this connector have been altered successfully';
  }

  async resetConnectorOffsets(name: string): Promise<string> {
    await this.enter('resetConnectorOffsets', name);
    this.get(name).offsets = [];
    return 'The offsets for this connector have been reset successfully';
  }

  async connectorActiveTopics(name: string): Promise<string[]> { await this.enter('connectorActiveTopics', name); return this.connectorsByName.get(name)?.topics ?? []; }
  async resetConnectorActiveTopics(name: string): Promise<void> { await this.enter('resetConnectorActiveTopics', name); const c = this.connectorsByName.get(name); if (c) c.topics = []; }

  plugins(connectorsOnly: boolean): PluginInfo[] { this.calls.push(['plugins', connectorsOnly]); return []; }
  pluginConfig(pluginName: string): ConfigKeyInfo[] { throw new NotFoundError(`Unknown plugin ${pluginName}.`); }
  async validateConnectorConfig(pluginName: string | null): Promise<ConfigInfos> { return { name: pluginName ?? '', error_count: 0, groups: [], configs: [] }; }
  async stop(): Promise<void> {}

  async putTaskConfigs(connector: string, taskConfigs: Record<string, string>[], signature: InternalRequestSignature | null): Promise<void> {
    await this.enter('putTaskConfigs', connector, taskConfigs, signature);
  }
}

/** An error shaped like Connect's NotLeaderException: the herder names the worker that must serve the request. */
class NotLeaderError extends Error {
  constructor(readonly targetUrl: string | null) { super('This worker is not the leader'); }
}

const quiet = pino({ level: 'silent' });

let herder: FakeHerder;
let server: RestServer;

function json(body: unknown): { payload: string; headers: Record<string, string> } {
  return { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

async function req(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS', url: string, body?: unknown) {
  const res = await server.app.inject({ method, url, ...(body === undefined ? {} : json(body)) });
  return { status: res.statusCode, headers: res.headers, text: res.body, body: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
}

function error(status: number, message: string) {
  return { error_code: status, message };
}

beforeEach(() => {
  herder = new FakeHerder();
  server = createRestServer(herder, { logger: quiet, listeners: 'http://localhost:0', requestTimeoutMs: 200 });
});

afterEach(async () => {
  await server.stop();
});

void describe('GET / and GET /health', () => {
  void test('server info', async () => {
    const r = await req('GET', '/');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { version: '4.1.0', commit: 'c0ffee', kafka_cluster_id: 'cluster-1' });
    assert.match(String(r.headers['content-type']), /^application\/json/);
  });

  void test('healthy when the herder is ready, 503 starting otherwise', async () => {
    const ok = await req('GET', '/health');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' });
    herder.ready = () => false;
    const r = await req('GET', '/health');
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, { status: 'starting', message: 'Worker is still starting up.' });
  });
});

void describe('GET /connectors', () => {
  void test('lists names', async () => {
    assert.deepEqual((await req('GET', '/connectors')).body, []);
    herder.add('a');
    herder.add('b');
    const r = await req('GET', '/connectors');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, ['a', 'b']);
  });

  void test('expand=status and expand=info, repeatable; trailing slash accepted', async () => {
    herder.add('a', {}, 1);
    const r = await req('GET', '/connectors/?expand=status&expand=info');
    assert.equal(r.status, 200);
    const a = (r.body as Record<string, { status: ConnectorStateInfo; info: ConnectorInfo }>).a;
    assert.ok(a);
    assert.equal(a.status.name, 'a');
    assert.equal(a.status.connector.state, 'RUNNING');
    assert.deepEqual(a.info.tasks, [{ connector: 'a', task: 0 }]);
    const onlyStatus = (await req('GET', '/connectors?expand=status')).body as Record<string, object>;
    assert.deepEqual(Object.keys(onlyStatus.a ?? {}), ['status']);
  });

  void test('unknown expand values are ignored', async () => {
    herder.add('a');
    assert.deepEqual((await req('GET', '/connectors?expand=bogus')).body, { a: {} });
    assert.deepEqual((await req('GET', '/connectors?expand=')).body, { a: {} });
  });

  void test('connectors that vanish mid-request are omitted', async () => {
    herder.add('a');
    herder.add('gone');
    herder.vanishing.add('gone');
    const r = await req('GET', '/connectors?expand=info');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body as object), ['a']);
  });

  void test('a connector named __proto__ is listed as an own key', async () => {
    herder.add('__proto__');
    const r = await req('GET', '/connectors?expand=status');
    assert.ok(r.text.includes('"__proto__":{"status"'));
  });
});

void describe('POST /connectors', () => {
  void test('creates: 201, Location, ConnectorInfo; name trimmed and inserted into the config', async () => {
    const r = await req('POST', '/connectors', { name: '  local-file ', config: { 'connector.class': 'FileStreamSource', file: '/tmp/x', 'tasks.max': 1 } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.location, '/connectors/local-file');
    assert.deepEqual(r.body, {
      name: 'local-file',
      config: { 'connector.class': 'FileStreamSource', file: '/tmp/x', 'tasks.max': '1', name: 'local-file' },
      tasks: [{ connector: 'local-file', task: 0 }],
      type: 'source',
    });
    assert.deepEqual(herder.calls.at(-1), ['putConnectorConfig', 'local-file',
      { 'connector.class': 'FileStreamSource', file: '/tmp/x', 'tasks.max': '1', name: 'local-file' }, { allowReplace: false }]);
  });

  void test('initial_state is case-insensitive and maps to target states', async () => {
    for (const [given, target] of [['RUNNING', 'STARTED'], ['paused', 'PAUSED'], ['Stopped', 'STOPPED']] as const) {
      const r = await req('POST', '/connectors', { name: `c-${given}`, config: { 'connector.class': 'X' }, initial_state: given });
      assert.equal(r.status, 201);
      assert.deepEqual(herder.calls.at(-1)?.[3], { allowReplace: false, initialState: target });
    }
    const r = await req('POST', '/connectors', { name: 'c', config: { 'connector.class': 'X' }, initial_state: 'SLEEPING' });
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /initial_state 'SLEEPING'/);
  });

  void test('config.name must match the name', async () => {
    const r = await req('POST', '/connectors', { name: 'a', config: { name: 'b', 'connector.class': 'X' } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, error(400, "Connector name configuration (b) doesn't match connector name in the URL (a)"));
  });

  void test('a missing name is a 400', async () => {
    const r = await req('POST', '/connectors', { config: { 'connector.class': 'X' } });
    assert.equal(r.status, 400);
    assert.equal((r.body as { error_code: number }).error_code, 400);
    assert.match((r.body as { message: string }).message, /^Connector configuration is invalid and contains the following 1 error\(s\):\n.*String may not be empty/);
    assert.equal(herder.calls.length, 0);
  });

  void test('a missing or non-object config is a 400', async () => {
    assert.equal((await req('POST', '/connectors', { name: 'a' })).status, 400);
    assert.equal((await req('POST', '/connectors', { name: 'a', config: ['x'] })).status, 400);
    const nested = await req('POST', '/connectors', { name: 'a', config: { 'connector.class': { x: 1 } } });
    assert.equal(nested.status, 400);
    assert.match((nested.body as { message: string }).message, /connector\.class/);
  });

  void test('null config values are refused the way validation reports them', async () => {
    const r = await req('POST', '/connectors', { name: 'a', config: { 'connector.class': 'X', file: null } });
    assert.equal(r.status, 400);
    assert.equal((r.body as { message: string }).message,
      'Connector configuration is invalid and contains the following 1 error(s):\nNull value can not be supplied as the configuration value.\n'
      + 'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`');
  });

  void test('409 when the connector exists; herder 400s pass through', async () => {
    herder.add('a');
    assert.deepEqual((await req('POST', '/connectors', { name: 'a', config: { 'connector.class': 'X' } })).body, error(409, 'Connector a already exists'));
    const r = await req('POST', '/connectors', { name: 'b', config: {} });
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /contains no connector type/);
  });

  void test('Location escapes names like a URI path', async () => {
    const r = await req('POST', '/connectors', { name: 'my conn/v1', config: { 'connector.class': 'X' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.location, '/connectors/my%20conn/v1');
  });

  void test('malformed JSON → 400 naming the problem', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/connectors', payload: '{"name": "a",', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400);
    const body = JSON.parse(res.body) as { error_code: number; message: string };
    assert.equal(body.error_code, 400);
    assert.match(body.message, /JSON/);
    assert.match(body.message, /position|end/i);
  });

  void test('wrong content type → 415 (as Connect\'s @Consumes(application/json)); empty body, non-object body → 400', async () => {
    const wrongType = await server.app.inject({ method: 'POST', url: '/connectors', payload: '{"name":"a"}', headers: { 'content-type': 'text/plain' } });
    assert.equal(wrongType.statusCode, 415);
    assert.match((JSON.parse(wrongType.body) as { message: string }).message, /Content-Type 'text\/plain'/);
    const empty = await server.app.inject({ method: 'POST', url: '/connectors', headers: { 'content-type': 'application/json' } });
    assert.equal(empty.statusCode, 400);
    assert.match((JSON.parse(empty.body) as { message: string }).message, /missing/);
    for (const body of [[1, 2], 'name', 42, null]) {
      const r = await req('POST', '/connectors', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((r.body as { message: string }).message, /JSON object/);
    }
  });
});

void describe('/connectors/{name} and /config', () => {
  void test('GET info; 404 with the herder message', async () => {
    herder.add('a', {}, 1);
    const r = await req('GET', '/connectors/a');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { name: 'a', config: { 'connector.class': 'FileStreamSource', name: 'a' }, tasks: [{ connector: 'a', task: 0 }], type: 'source' });
    assert.deepEqual((await req('GET', '/connectors/nope')).body, error(404, 'Connector nope not found'));
  });

  void test('path params are URL-decoded', async () => {
    for (const name of ['with space', 'dotted.name', 'slash/ed', 'pct%', 'ünï']) {
      herder.add(name);
      const r = await req('GET', `/connectors/${encodeURIComponent(name)}/config`);
      assert.equal(r.status, 200, name);
      assert.equal((r.body as Record<string, string>).name, name);
    }
  });

  void test('DELETE → 204 empty; 404 when absent', async () => {
    herder.add('a');
    const r = await req('DELETE', '/connectors/a');
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal((await req('DELETE', '/connectors/a')).status, 404);
  });

  void test('GET config', async () => {
    herder.add('a', { file: '${file:/secrets:path}' });
    const r = await req('GET', '/connectors/a/config');
    assert.deepEqual(r.body, { 'connector.class': 'FileStreamSource', name: 'a', file: '${file:/secrets:path}' });
    assert.equal((await req('GET', '/connectors/b/config')).status, 404);
  });

  void test('PUT config: 201 + Location when created, 200 when updated, name inserted', async () => {
    const created = await req('PUT', '/connectors/a%20b/config', { 'connector.class': 'X', 'tasks.max': 2 });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, '/connectors/a%20b');
    assert.deepEqual(herder.calls.at(-1), ['putConnectorConfig', 'a b', { 'connector.class': 'X', 'tasks.max': '2', name: 'a b' }, { allowReplace: true }]);
    const updated = await req('PUT', '/connectors/a%20b/config', { 'connector.class': 'Y', name: 'a b' });
    assert.equal(updated.status, 200);
    assert.equal(updated.headers.location, undefined);
    assert.equal((updated.body as ConnectorInfo).config['connector.class'], 'Y');
  });

  void test('PUT config: name mismatch → 400', async () => {
    const r = await req('PUT', '/connectors/a/config', { 'connector.class': 'X', name: 'b' });
    assert.deepEqual(r.body, error(400, "Connector name configuration (b) doesn't match connector name in the URL (a)"));
    assert.equal((await req('PUT', '/connectors/a/config', ['x'])).status, 400);
  });

  void test('PATCH config: null removes keys; 404 when absent', async () => {
    herder.add('a', { file: '/tmp/x', topic: 't' });
    const r = await req('PATCH', '/connectors/a/config', { file: null, topic: 'u', 'tasks.max': 3 });
    assert.equal(r.status, 200);
    assert.deepEqual(herder.calls.at(-1), ['patchConnectorConfig', 'a', { file: null, topic: 'u', 'tasks.max': '3' }]);
    assert.deepEqual((r.body as ConnectorInfo).config, { 'connector.class': 'FileStreamSource', name: 'a', topic: 'u', 'tasks.max': '3' });
    assert.deepEqual((await req('PATCH', '/connectors/b/config', { x: '1' })).body, error(404, 'Connector b not found'));
  });
});

void describe('status and tasks', () => {
  void test('connector status: tasks sorted by id, empty trace omitted', async () => {
    herder.add('a', {}, 3);
    const r = await req('GET', '/connectors/a/status');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      name: 'a',
      connector: { state: 'RUNNING', worker_id: '127.0.0.1:8083' },
      tasks: [
        { id: 0, state: 'RUNNING', worker_id: '127.0.0.1:8083' },
        { id: 1, state: 'RUNNING', worker_id: '127.0.0.1:8083' },
        { id: 2, state: 'FAILED', worker_id: '127.0.0.1:8083', trace: 'java.lang.RuntimeException: boom' },
      ],
      type: 'source',
    });
    assert.deepEqual((await req('GET', '/connectors/b/status')).body, error(404, 'No status found for connector b'));
  });

  void test('GET tasks', async () => {
    herder.add('a', {}, 2);
    const r = await req('GET', '/connectors/a/tasks');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, [
      { id: { connector: 'a', task: 0 }, config: { 'task.class': 'FileStreamSourceTask' } },
      { id: { connector: 'a', task: 1 }, config: { 'task.class': 'FileStreamSourceTask' } },
    ]);
    assert.equal((await req('GET', '/connectors/b/tasks')).status, 404);
  });

  void test('task status; 404 for unknown tasks and for non-integer ids', async () => {
    herder.add('a', {}, 2);
    assert.deepEqual((await req('GET', '/connectors/a/tasks/1/status')).body, { id: 1, state: 'RUNNING', worker_id: '127.0.0.1:8083' });
    assert.deepEqual((await req('GET', '/connectors/a/tasks/+1/status')).body, { id: 1, state: 'RUNNING', worker_id: '127.0.0.1:8083' });
    assert.deepEqual((await req('GET', '/connectors/a/tasks/7/status')).body, error(404, 'No status found for task a-7'));
    for (const bad of ['x', '1.5', '99999999999', '']) {
      const r = await req('GET', `/connectors/a/tasks/${bad}/status`);
      assert.equal(r.status, 404, bad);
      assert.equal((r.body as { error_code: number }).error_code, 404);
    }
    assert.equal(herder.calls.filter((c) => c[0] === 'taskStatus').length, 3);
  });

  void test('task restart → 204; 404 for unknown task or non-integer id', async () => {
    herder.add('a', {}, 1);
    const r = await req('POST', '/connectors/a/tasks/0/restart');
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual((await req('POST', '/connectors/a/tasks/3/restart')).body, error(404, 'Unknown task: a-3'));
    assert.deepEqual((await req('POST', '/connectors/a/tasks/zero/restart')).body, error(404, 'HTTP 404 Not Found'));
  });
});

void describe('restart, pause, resume, stop', () => {
  void test('legacy restart: 204 with no body', async () => {
    herder.add('a');
    const r = await req('POST', '/connectors/a/restart');
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual(herder.calls.at(-1), ['restartConnector', 'a', { includeTasks: false, onlyFailed: false }]);
    // Empty JSON body with a JSON content type is accepted (curl -H 'Content-Type: application/json' -X POST).
    const res = await server.app.inject({ method: 'POST', url: '/connectors/a/restart?includeTasks=false&onlyFailed=no', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 204);
  });

  void test('restart with includeTasks/onlyFailed: 202 with the plan status', async () => {
    herder.add('a');
    const r = await req('POST', '/connectors/a/restart?includeTasks=true');
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, {
      name: 'a', connector: { state: 'RESTARTING', worker_id: '127.0.0.1:8083' }, tasks: [{ id: 0, state: 'RESTARTING', worker_id: '127.0.0.1:8083' }], type: 'source',
    });
    const r2 = await req('POST', '/connectors/a/restart?onlyFailed=TRUE');
    assert.equal(r2.status, 202);
    assert.deepEqual(herder.calls.at(-1), ['restartConnector', 'a', { includeTasks: false, onlyFailed: true }]);
    assert.deepEqual((await req('POST', '/connectors/b/restart?includeTasks=true')).body, error(404, 'Unknown connector: b'));
  });

  void test('pause and resume → 202 empty; stop → 204', async () => {
    herder.add('a');
    for (const [path, status, target] of [['pause', 202, 'PAUSED'], ['resume', 202, 'STARTED'], ['stop', 204, 'STOPPED']] as const) {
      const r = await req('PUT', `/connectors/a/${path}`);
      assert.equal(r.status, status, path);
      assert.equal(r.text, '', path);
      assert.equal(herder.connectorsByName.get('a')?.target, target);
    }
    assert.deepEqual((await req('PUT', '/connectors/b/pause')).body, error(404, 'Unknown connector b'));
    // Bodies are ignored, but a write whose body is not JSON is refused before the route runs (no HTML form can drive the API).
    const res = await server.app.inject({ method: 'PUT', url: '/connectors/a/pause', payload: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.statusCode, 415);
    const json = await server.app.inject({ method: 'PUT', url: '/connectors/a/pause', payload: '{}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(json.statusCode, 202);
  });
});

void describe('offsets and topics', () => {
  void test('GET offsets', async () => {
    herder.add('a');
    const offsets = [{ partition: { filename: 'test.txt' }, offset: { position: 30 } }];
    const c = herder.connectorsByName.get('a');
    assert.ok(c);
    c.offsets = offsets;
    const r = await req('GET', '/connectors/a/offsets');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { offsets });
    assert.equal((await req('GET', '/connectors/b/offsets')).status, 404);
  });

  void test('PATCH offsets → 200 {message}; herder 400 passes through', async () => {
    herder.add('a');
    const body = { offsets: [{ partition: { kafka_topic: 'test', kafka_partition: 0 }, offset: { kafka_offset: 5 } }, { partition: { kafka_topic: 'test', kafka_partition: 1 }, offset: null }] };
    const notStopped = await req('PATCH', '/connectors/a/offsets', body);
    assert.equal(notStopped.status, 400);
    assert.match((notStopped.body as { message: string }).message, /STOPPED state/);
    await req('PUT', '/connectors/a/stop');
    const r = await req('PATCH', '/connectors/a/offsets', body);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { message: 'The offsets for this connector have been altered successfully' });
    assert.deepEqual(herder.calls.at(-1), ['alterConnectorOffsets', 'a', body.offsets]);
  });

  void test('PATCH offsets with missing, empty or malformed offsets → 400', async () => {
    herder.add('a');
    const missing = error(400, 'Partitions / offsets need to be provided for an alter offsets request');
    assert.deepEqual((await req('PATCH', '/connectors/a/offsets', {})).body, missing);
    assert.deepEqual((await req('PATCH', '/connectors/a/offsets', { offsets: [] })).body, missing);
    assert.deepEqual((await req('PATCH', '/connectors/a/offsets', { offsets: null })).body, missing);
    for (const offsets of ['x', [1], [{ offset: {} }], [{ partition: { a: 1 }, offset: 5 }]]) {
      const r = await req('PATCH', '/connectors/a/offsets', { offsets });
      assert.equal(r.status, 400, JSON.stringify(offsets));
    }
    // A missing offset means null (remove the offset).
    await req('PUT', '/connectors/a/stop');
    await req('PATCH', '/connectors/a/offsets', { offsets: [{ partition: { a: 1 } }] });
    assert.deepEqual(herder.calls.at(-1), ['alterConnectorOffsets', 'a', [{ partition: { a: 1 }, offset: null }]]);
  });

  void test('DELETE offsets → 200 {message}', async () => {
    herder.add('a');
    const r = await req('DELETE', '/connectors/a/offsets');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { message: 'The offsets for this connector have been reset successfully' });
  });

  void test('topics and topics/reset', async () => {
    herder.add('a');
    const c = herder.connectorsByName.get('a');
    assert.ok(c);
    c.topics = ['t1', 't2'];
    const r = await req('GET', '/connectors/a/topics');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { a: { topics: ['t1', 't2'] } });
    const reset = await req('PUT', '/connectors/a/topics/reset');
    assert.equal(reset.status, 202);
    assert.equal(reset.text, '');
    assert.deepEqual((await req('GET', '/connectors/a/topics')).body, { a: { topics: [] } });
    herder.failNext = new RestError(403, 'Topic tracking is disabled.');
    assert.deepEqual((await req('GET', '/connectors/a/topics')).body, error(403, 'Topic tracking is disabled.'));
  });
});

void describe('errors', () => {
  void test('unknown routes → 404 and known paths with another method → 405, in Connect error shape', async () => {
    assert.deepEqual(await req('GET', '/nope').then((r) => [r.status, r.body]), [404, error(404, 'HTTP 404 Not Found')]);
    assert.deepEqual(await req('GET', '/connectors/a/tasks-config').then((r) => [r.status, r.body]), [404, error(404, 'HTTP 404 Not Found')]);
    const r = await req('DELETE', '/connectors/a/status');
    assert.equal(r.status, 405);
    assert.deepEqual(r.body, error(405, 'HTTP 405 Method Not Allowed'));
    assert.equal(r.headers.allow, 'GET,HEAD,OPTIONS');
    const bad = await req('GET', '/connectors/%ZZ');
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error_code: number }).error_code, 400);
  });

  void test('herder errors: ConnectError by statusCode, anything else 500 with its message', async () => {
    herder.add('a');
    herder.failNext = new RestError(409, 'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)');
    assert.deepEqual((await req('GET', '/connectors/a')).body, error(409, 'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)'));
    herder.failNext = new TypeError('kaput');
    assert.deepEqual(await req('GET', '/connectors/a').then((r) => [r.status, r.body]), [500, error(500, 'kaput')]);
  });

  void test('herder calls slower than the request timeout → 500 "Request timed out."', async () => {
    herder.add('a');
    herder.delayMs = 400;
    const r = await req('GET', '/connectors/a');
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, error(500, 'Request timed out.'));
    herder.delayMs = 0;
    herder.hang = true;
    assert.deepEqual((await req('PUT', '/connectors/a/stop')).body, error(500, 'Request timed out.'));
  });

  void test('the body limit answers in Connect error shape', async () => {
    const small = createRestServer(herder, { logger: quiet, listeners: 'http://localhost:0', bodyLimit: 10 });
    const res = await small.app.inject({ method: 'PUT', url: '/connectors/a/config', ...json({ 'connector.class': 'FileStreamSource' }) });
    assert.equal(res.statusCode, 413);
    assert.equal((JSON.parse(res.body) as { error_code: number }).error_code, 413);
    await small.stop();
  });
});

void describe('forwarding', () => {
  void test('a request-target error is handed to the forwarder with forward=true and the original query', async () => {
    const seen: { url: string; method: string; body: string | undefined; headers: Record<string, string> }[] = [];
    const fwd = createRestServer(herder, {
      logger: quiet,
      listeners: 'http://localhost:0',
      forwarder: async (r) => { seen.push(r); return { status: 202, body: '{"forwarded":true}', headers: { 'content-type': 'application/json' } }; },
    });
    herder.failNext = new NotLeaderError('http://leader:8083/');
    const res = await fwd.app.inject({ method: 'POST', url: '/connectors/a%20b/restart?includeTasks=true', headers: { authorization: 'Bearer t' } });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(JSON.parse(res.body), { forwarded: true });
    assert.equal(seen[0]?.url, 'http://leader:8083/connectors/a%20b/restart?forward=true&includeTasks=true');
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.headers.authorization, 'Bearer t');

    herder.failNext = new NotLeaderError('http://leader:8083');
    const created = await fwd.app.inject({ method: 'POST', url: '/connectors?forward=true', ...json({ name: 'x', config: { 'connector.class': 'X' } }) });
    assert.equal(created.statusCode, 202);
    assert.equal(seen[1]?.url, 'http://leader:8083/connectors?forward=false');
    assert.equal(seen[1]?.body, JSON.stringify({ name: 'x', config: { 'connector.class': 'X' } }));
    await fwd.stop();
  });

  void test('409 when the second hop is still wrong or no leader is known; declined forwards map the error', async () => {
    const fwd = createRestServer(herder, { logger: quiet, listeners: 'http://localhost:0', forwarder: async () => null });
    herder.failNext = new NotLeaderError('http://leader:8083');
    let res = await fwd.app.inject({ method: 'PUT', url: '/connectors/a/stop?forward=false' });
    assert.deepEqual([res.statusCode, JSON.parse(res.body)], [409, error(409, 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)')]);
    herder.failNext = new NotLeaderError(null);
    res = await fwd.app.inject({ method: 'PUT', url: '/connectors/a/stop' });
    assert.deepEqual([res.statusCode, JSON.parse(res.body)],
      [409, error(409, 'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.')]);
    herder.failNext = new NotLeaderError('http://leader:8083');
    res = await fwd.app.inject({ method: 'PUT', url: '/connectors/a/stop' });
    assert.deepEqual([res.statusCode, JSON.parse(res.body)], [500, error(500, 'This worker is not the leader')]);
    await fwd.stop();
  });
});

void describe('inter-worker endpoints', () => {
  void test('POST /connectors/{n}/tasks passes configs and signature; 204', async () => {
    const body = JSON.stringify([{ 'task.class': 'T', n: 1 }]);
    const res = await server.app.inject({
      method: 'POST', url: '/connectors/a/tasks', payload: body,
      headers: { 'content-type': 'application/json', 'x-connect-authorization': 'c2ln', 'x-connect-request-signature-algorithm': 'HmacSHA256' },
    });
    assert.equal(res.statusCode, 204);
    assert.deepEqual(herder.calls.at(-1), ['putTaskConfigs', 'a', [{ 'task.class': 'T', n: '1' }], { signature: 'c2ln', algorithm: 'HmacSHA256', body }]);
  });

  void test('fence without herder support → 404 (Connect: 500; a caller error is never a server fault here)', async () => {
    const r = await req('PUT', '/connectors/a/fence');
    assert.equal(r.status, 404);
    assert.equal((r.body as { error_code: number }).error_code, 404);
  });
});
