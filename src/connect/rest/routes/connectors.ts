// /connectors/*: Connect's ConnectorsResource and the inter-worker InternalConnectResource.
import type { FastifyRequest } from 'fastify';
import { ConnectError } from '../../api/errors.js';
import type { ConnectorInfo, ConnectorOffset, ConnectorStateInfo, TargetState } from '../../herder/herder.js';
import { booleanParam, objectBody, queryOf, queryValues, rawBody, stringMap, stringOrNull, taskIdParam, NonJsonBody, type JsonObject } from '../body.js';
import { param, type InternalRequestSignature, type RestContext, type RestHerder } from '../context.js';
import { connectorLocation, connectorStateEntity, taskStateEntity } from '../entities.js';
import { badRequest, notFound } from '../errors.js';

const INITIAL_STATES: Record<string, TargetState> = { RUNNING: 'STARTED', PAUSED: 'PAUSED', STOPPED: 'STOPPED' };

const INVALID_CONFIG_SUFFIX = 'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`';

/** Connect's create/update validation failure message (AbstractHerder.maybeAddConfigErrors). */
function invalidConfig(errors: string[]): Error {
  return badRequest(`Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\n${INVALID_CONFIG_SUFFIX}`);
}

function nameMismatch(included: string, name: string): Error {
  return badRequest(`Connector name configuration (${included}) doesn't match connector name in the URL (${name})`);
}

/**
 * A full connector config from a request: `name` checked against the URL (or inserted), and null values
 * refused the way Connect's validation reports them (the Herder contract takes string values only).
 */
function connectorConfig(raw: Record<string, string | null>, name: string): Record<string, string> {
  const included = raw.name;
  if (included !== null && included !== undefined && included !== name) throw nameMismatch(included, name);
  const nullKeys = Object.entries(raw).filter(([k, v]) => v === null && k !== 'name');
  if (nullKeys.length > 0) throw invalidConfig(nullKeys.map(() => 'Null value can not be supplied as the configuration value.'));
  const entries = Object.entries(raw).map(([k, v]) => [k, k === 'name' ? name : v] as const);
  if (!Object.hasOwn(raw, 'name')) entries.push(['name', name]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof ConnectError && err.statusCode === 404;
}

function offsetsBody(body: JsonObject): ConnectorOffset[] {
  const list = body.offsets;
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    throw badRequest('Partitions / offsets need to be provided for an alter offsets request');
  }
  if (!Array.isArray(list)) throw badRequest("Invalid alter offsets request: 'offsets' must be a JSON array of {\"partition\": {…}, \"offset\": {…} | null}");
  return list.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw badRequest(`Invalid alter offsets request: offsets[${i}] must be a JSON object with 'partition' and 'offset'`);
    }
    const { partition, offset } = entry as JsonObject;
    if (partition === null || partition === undefined || typeof partition !== 'object' || Array.isArray(partition)) {
      throw badRequest(`Invalid alter offsets request: offsets[${i}].partition must be a JSON object (partitions may not be null or missing)`);
    }
    if (offset !== null && offset !== undefined && (typeof offset !== 'object' || Array.isArray(offset))) {
      throw badRequest(`Invalid alter offsets request: offsets[${i}].offset must be a JSON object or null`);
    }
    return { partition: partition as Record<string, unknown>, offset: (offset ?? null) as Record<string, unknown> | null };
  });
}

function signatureOf(req: FastifyRequest): InternalRequestSignature | null {
  const sig = req.headers['x-connect-authorization'];
  if (sig === undefined) return null;
  const alg = req.headers['x-connect-request-signature-algorithm'];
  return { signature: Array.isArray(sig) ? sig.join(',') : sig, algorithm: alg === undefined ? null : Array.isArray(alg) ? alg.join(',') : alg, body: rawBody(req) ?? '' };
}

export function registerConnectorRoutes(ctx: RestContext): void {
  const { herder, call, route } = ctx;

  route('GET', '/connectors', async (req) => {
    const expand = queryValues(queryOf(req), 'expand');
    const names = await call(() => herder.connectors());
    if (expand === undefined) return names;
    // Unknown expansions are ignored (an empty object per connector); a connector deleted while we look
    // it up is left out rather than failing the whole listing.
    const entries = await Promise.all(names.map(async (name) => {
      try {
        const out: { status?: ConnectorStateInfo; info?: ConnectorInfo } = {};
        for (const e of expand) {
          if (e === 'status') out.status = connectorStateEntity(await call(() => herder.connectorStatus(name)));
          else if (e === 'info') out.info = await call(() => herder.connectorInfo(name));
          else ctx.log.debug({ expansion: e }, 'ignoring unknown expansion type');
        }
        return [name, out] as const;
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    }));
    return Object.fromEntries(entries.filter((e) => e !== null));
  });

  route('POST', '/connectors', async (req, reply) => {
    const body = objectBody(req, 'a connector creation request ({"name": …, "config": {…}})');
    // Connect trims the name and leaves an absent one to config validation (which rejects it as empty).
    const name = (stringOrNull(body.name, 'name') ?? '').trim();
    if (body.config === undefined || body.config === null || typeof body.config !== 'object' || Array.isArray(body.config)) {
      throw badRequest("Connector creation request must contain the connector configuration as a JSON object under 'config'");
    }
    const raw = stringMap(body.config as JsonObject, 'config');
    if (raw.name !== null && raw.name !== undefined && raw.name !== name) throw nameMismatch(raw.name, name);
    if (name === '') throw invalidConfig(['Invalid value  for configuration name: String may not be empty']);
    const config = connectorConfig(raw, name);
    const stateText = stringOrNull(body.initial_state, 'initial_state');
    let initialState: TargetState | undefined;
    if (stateText !== null) {
      initialState = INITIAL_STATES[stateText.toUpperCase()];
      if (initialState === undefined) throw badRequest(`Invalid initial_state '${stateText}': expected one of RUNNING, PAUSED, STOPPED`);
    }
    const opts = initialState === undefined ? { allowReplace: false } : { allowReplace: false, initialState };
    const { info } = await call(() => herder.putConnectorConfig(name, config, opts));
    return reply.code(201).header('location', connectorLocation(name)).send(info);
  });

  route('GET', '/connectors/:name', async (req) => call(() => herder.connectorInfo(param(req, 'name'))));

  route('DELETE', '/connectors/:name', async (req, reply) => {
    await call(() => herder.deleteConnector(param(req, 'name')));
    return reply.code(204).send();
  });

  route('GET', '/connectors/:name/config', async (req) => call(() => herder.connectorConfig(param(req, 'name'))));

  route('PUT', '/connectors/:name/config', async (req, reply) => {
    const name = param(req, 'name');
    const config = connectorConfig(stringMap(objectBody(req, 'the connector configuration'), 'config'), name);
    const { created, info } = await call(() => herder.putConnectorConfig(name, config, { allowReplace: true }));
    if (created) reply.code(201).header('location', connectorLocation(name));
    return reply.send(info);
  });

  route('PATCH', '/connectors/:name/config', async (req) => {
    const name = param(req, 'name');
    const patch = stringMap(objectBody(req, 'a connector configuration patch'), 'config');
    return call(() => herder.patchConnectorConfig(name, patch));
  });

  route('GET', '/connectors/:name/status', async (req) => connectorStateEntity(await call(() => herder.connectorStatus(param(req, 'name')))));

  route('GET', '/connectors/:name/tasks', async (req) => call(() => herder.taskConfigs(param(req, 'name'))));

  route('GET', '/connectors/:name/tasks/:task/status', async (req) => {
    const name = param(req, 'name');
    const task = taskIdParam(param(req, 'task'));
    return taskStateEntity(await call(() => herder.taskStatus(name, task)));
  });

  route('POST', '/connectors/:name/tasks/:task/restart', async (req, reply) => {
    const name = param(req, 'name');
    const task = taskIdParam(param(req, 'task'));
    await call(() => herder.restartTask(name, task));
    return reply.code(204).send();
  });

  route('POST', '/connectors/:name/restart', async (req, reply) => {
    const q = queryOf(req);
    const includeTasks = booleanParam(q, 'includeTasks', false);
    const onlyFailed = booleanParam(q, 'onlyFailed', false);
    const status = await call(() => herder.restartConnector(param(req, 'name'), { includeTasks, onlyFailed }));
    // Both flags false is the legacy restart of the connector instance only: 204 and no body.
    if (!includeTasks && !onlyFailed) return reply.code(204).send();
    if (status === null) throw new ConnectError('Herder returned no restart plan status for a restart with includeTasks/onlyFailed');
    return reply.code(202).send(connectorStateEntity(status));
  });

  route('PUT', '/connectors/:name/pause', async (req, reply) => {
    await call(() => herder.pauseConnector(param(req, 'name')));
    return reply.code(202).send();
  });

  route('PUT', '/connectors/:name/resume', async (req, reply) => {
    await call(() => herder.resumeConnector(param(req, 'name')));
    return reply.code(202).send();
  });

  route('PUT', '/connectors/:name/stop', async (req, reply) => {
    await call(() => herder.stopConnector(param(req, 'name')));
    return reply.code(204).send();
  });

  route('GET', '/connectors/:name/offsets', async (req) => ({ offsets: await call(() => herder.connectorOffsets(param(req, 'name'))) }));

  route('PATCH', '/connectors/:name/offsets', async (req) => {
    const name = param(req, 'name');
    const offsets = offsetsBody(objectBody(req, 'an alter offsets request ({"offsets": […]})'));
    return { message: await call(() => herder.alterConnectorOffsets(name, offsets)) };
  });

  route('DELETE', '/connectors/:name/offsets', async (req) => ({ message: await call(() => herder.resetConnectorOffsets(param(req, 'name'))) }));

  route('GET', '/connectors/:name/topics', async (req) => {
    const name = param(req, 'name');
    const topics = await call(() => herder.connectorActiveTopics(name));
    return Object.fromEntries([[name, { topics }]]);
  });

  route('PUT', '/connectors/:name/topics/reset', async (req, reply) => {
    await call(() => herder.resetConnectorActiveTopics(param(req, 'name')));
    return reply.code(202).send();
  });

  registerInternalConnectorRoutes(ctx, '', () => herder);
}

/**
 * The inter-worker endpoints (Connect's InternalConnectResource) under `prefix`, on the herder `herderFor` picks for
 * a request: a worker's own herder, or (dedicated mode's process listener) the flow its path names. They accept any
 * content type: the body is read as bytes because the request signature covers those bytes.
 */
export function registerInternalConnectorRoutes(ctx: RestContext, prefix: string, herderFor: (req: FastifyRequest) => RestHerder): void {
  const { call, route } = ctx;
  route('POST', `${prefix}/connectors/:name/tasks`, async (req, reply) => {
    const herder = herderFor(req);
    const name = param(req, 'name');
    const putTaskConfigs = herder.putTaskConfigs?.bind(herder);
    // Connect answers 500 (UnsupportedOperationException); a caller's mistake is not a server fault, so 404.
    if (!putTaskConfigs) throw notFound('This worker does not support externally setting task configurations.');
    const configs = taskConfigsBody(req);
    await call(() => putTaskConfigs(name, configs, signatureOf(req)));
    return reply.code(204).send();
  });

  route('PUT', `${prefix}/connectors/:name/fence`, async (req, reply) => {
    const herder = herderFor(req);
    const name = param(req, 'name');
    const fence = herder.fenceZombieSourceTasks?.bind(herder);
    if (!fence) throw notFound('This worker does not support fencing zombie source tasks.');
    await call(() => fence(name, signatureOf(req)));
    return reply.code(204).send();
  });
}

function taskConfigsBody(req: FastifyRequest): Record<string, string>[] {
  let body: unknown = req.body;
  if (body instanceof NonJsonBody) {
    try {
      body = JSON.parse(rawBody(req) ?? '') as unknown;
    } catch (err) {
      throw badRequest(`Malformed JSON request body: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of task configurations');
  return body.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badRequest(`Task configuration ${i} must be a JSON object`);
    const map = stringMap(entry as JsonObject, `task ${i} config`);
    return Object.fromEntries(Object.entries(map).filter((e): e is [string, string] => e[1] !== null));
  });
}
