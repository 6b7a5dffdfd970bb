// The built-in plugin set: converters, SMTs and predicates from the framework, plus the connectors Ferry
// ships (file, JDBC, mirror). This is the one place where connect/ meets connectors/ — the framework
// itself only sees a PluginRegistry.
import type { ConnectRecord } from '../connect/api/records.js';
import type { PluginKind } from '../connect/api/connector.js';
import { PluginRegistry } from '../connect/runtime/plugins.js';
import type { TransformerFactory } from '../connect/runtime/worker.js';
import type { TransformValidator } from '../connect/herder/validation.js';
import { converterPlugins } from '../connect/converters/index.js';
import { predicatePlugins, transformPlugins } from '../connect/transforms/index.js';
import { buildTransformationChain, validateTransformations, type PluginResolver } from '../connect/transforms/chain.js';
import { fileStreamPlugins } from '../connectors/file/index.js';
import { jdbcPlugins } from '../connectors/jdbc/index.js';
import { mirrorPlugins } from '../connectors/mirror/plugins.js';
import { s3Plugins } from '../connectors/s3/index.js';

export interface BuiltinPluginOptions {
  /** The worker's file.allowed.paths; unset = FileStream connectors may use no file (stdin/stdout only). */
  fileAllowedPaths?: readonly string[];
}

export function builtinPlugins(opts: BuiltinPluginOptions = {}): PluginRegistry {
  return new PluginRegistry().register(...converterPlugins, ...transformPlugins, ...predicatePlugins, ...fileStreamPlugins(opts.fileAllowedPaths ?? []), ...jdbcPlugins, ...mirrorPlugins, ...s3Plugins);
}

function resolverFor(registry: PluginRegistry): PluginResolver {
  return (className: string, kind: 'transformation' | 'predicate') => {
    const d = registry.find(className, [kind as PluginKind]);
    if (!d) throw new Error(`Class ${className} could not be found.`);
    return d.create();
  };
}

export function transformerFactory(registry: PluginRegistry): TransformerFactory {
  const resolve = resolverFor(registry);
  return (config) => buildTransformationChain<ConnectRecord>(config, resolve);
}

export function transformValidator(registry: PluginRegistry): TransformValidator {
  const resolve = resolverFor(registry);
  const opts = {
    recommendedTransformations: registry.list(['transformation']).map((d) => d.className),
    recommendedPredicates: registry.list(['predicate']).map((d) => d.className),
  };
  return (config) => {
    const v = validateTransformations(config, resolve, opts);
    return { groups: v.groups, configs: v.configs };
  };
}
