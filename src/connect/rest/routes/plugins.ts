// /connector-plugins/*: Connect's ConnectorPluginsResource.
import { booleanParam, objectBody, queryOf, stringMap } from '../body.js';
import { param, type RestContext } from '../context.js';
import { pluginEntity } from '../entities.js';
import { badRequest } from '../errors.js';

const CONNECTOR_SUFFIX = 'Connector';

/** Works for full class names and aliases alike: "…FileStreamSourceConnector" and "FileStreamSource" compare equal. */
function normalizedPluginName(name: string): string {
  return name.endsWith(CONNECTOR_SUFFIX) && name.length > CONNECTOR_SUFFIX.length ? name.slice(0, -CONNECTOR_SUFFIX.length) : name;
}

/** Java's Map.toString, which Connect embeds in the "contains no connector type" message. */
function javaMapString(map: Record<string, string | null>): string {
  return `{${Object.entries(map).map(([k, v]) => `${k}=${v ?? 'null'}`).join(', ')}}`;
}

export function registerPluginRoutes(ctx: RestContext): void {
  const { herder, call, route } = ctx;

  route('GET', '/connector-plugins', async (req) => {
    const connectorsOnly = booleanParam(queryOf(req), 'connectorsOnly', true);
    return (await call(() => herder.plugins(connectorsOnly))).map(pluginEntity);
  });

  route('GET', '/connector-plugins/:plugin/config', async (req) => call(() => herder.pluginConfig(param(req, 'plugin'))));

  route('PUT', '/connector-plugins/:plugin/config/validate', async (req) => {
    const plugin = param(req, 'plugin');
    const raw = stringMap(objectBody(req, 'the connector configuration to validate'), 'config');
    const connectorClass = raw['connector.class'];
    if (connectorClass !== null && connectorClass !== undefined && !normalizedPluginName(connectorClass).endsWith(normalizedPluginName(plugin))) {
      throw badRequest(`Included connector type ${connectorClass} does not match request type ${plugin}`);
    }
    if (connectorClass === null || connectorClass === undefined) {
      throw badRequest(`Connector config ${javaMapString(raw)} contains no connector type`);
    }
    // Connect reports null values as per-key errors in the 200 ConfigInfos; the Herder contract only takes
    // strings, so they are refused here with the message validation would attach to them.
    const nullKeys = Object.entries(raw).filter(([, v]) => v === null).map(([k]) => k);
    if (nullKeys.length > 0) {
      throw badRequest(`Null value can not be supplied as the configuration value (keys: ${nullKeys.join(', ')}).`);
    }
    return call(() => herder.validateConnectorConfig(plugin, raw as Record<string, string>));
  });
}
