// The REST server options a worker's configuration asks for (listeners, admin listeners, HTTPS, basic
// authentication, CORS, limits), built before the herder starts so a bad setting stops the worker early.
import type { WorkerConfig } from '../runtime/worker-config.js';
import { restAuthenticatorFor } from './auth.js';
import { createRestClient, type RestClient } from '../http-client.js';
import { parseListeners } from './listeners.js';
import type { RestServerOptions } from './server.js';
import { httpsServerOptions, restClientTls } from './tls.js';

export interface WorkerRestSetup {
  server: RestServerOptions;
  /** The client this worker uses to reach other workers (HTTPS trusts the REST truststore). */
  client: RestClient;
}

export function workerRestSetup(config: WorkerConfig, env: Readonly<Record<string, string | undefined>> = process.env): WorkerRestSetup {
  const props = config.originals as Readonly<Record<string, string | undefined>>;
  const listeners = config.getList('listeners').join(',');
  const adminSetting = props['admin.listeners'];
  const all = [...parseListeners(listeners, 'listeners'), ...(adminSetting !== undefined && adminSetting.trim() !== '' ? parseListeners(adminSetting, 'admin.listeners') : [])];
  const anyHttps = all.some((l) => l.protocol === 'https');
  const advertisedProtocol = (props['rest.advertised.listener'] ?? '').trim().toLowerCase();
  // TLS material is read when an https listener exists or other workers are reached over https.
  const wantsTls = anyHttps || advertisedProtocol === 'https';
  const advertisedHost = config.getOptionalString('rest.advertised.host.name');
  const server: RestServerOptions = {
    listeners,
    adminListeners: adminSetting ?? null,
    authenticator: restAuthenticatorFor(config.getList('rest.extension.classes'), env),
    accessControlAllowOrigin: config.getString('access.control.allow.origin'),
    accessControlAllowMethods: config.getString('access.control.allow.methods'),
    bodyLimit: config.getInt('rest.request.max.bytes'),
    requestTimeoutMs: config.getLong('rest.request.timeout.ms'),
    ...(anyHttps ? { https: httpsServerOptions(props) } : {}),
    ...(advertisedHost ? { extraHostNames: [advertisedHost] } : {}),
  };
  return { server, client: createRestClient(wantsTls ? restClientTls(props) : undefined) };
}
