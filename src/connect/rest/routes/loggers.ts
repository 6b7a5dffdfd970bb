// /admin/loggers/*: Connect's LoggingResource over Ferry's pino logger registry.
import { LoggerLimitError, checkLevelNamespace, getLevel, isValidLevel, listLevels, setLevel as setLoggerLevel } from '../../../observability/logger.js';
import { objectBody, queryOf, queryValue, stringOrNull } from '../body.js';
import { param, type RestContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';

/** setLevel, with the registry's limits answered as 400 (a client error, not a 500). */
function setLevel(namespace: string, level: string): string[] {
  try {
    return setLoggerLevel(namespace, level);
  } catch (e) {
    if (e instanceof LoggerLimitError) throw badRequest(e.message);
    throw e;
  }
}

export function registerLoggerRoutes(ctx: RestContext): void {
  const { herder, call, route } = ctx;

  route('GET', '/admin/loggers', async () => listLevels());

  route('GET', '/admin/loggers/:logger', async (req) => {
    const name = param(req, 'logger');
    const level = getLevel(name);
    if (level === null) throw notFound(`Logger ${name} not found.`);
    return level;
  });

  route('PUT', '/admin/loggers/:logger', async (req, reply) => {
    const namespace = param(req, 'logger');
    // An absent body is the same as a body without `level`.
    const body = req.body === undefined ? {} : objectBody(req, 'a logger level ({"level": …})');
    const level = stringOrNull(body.level, 'level');
    if (level === null) throw badRequest("Desired 'level' parameter was not specified in request.");
    if (!isValidLevel(level)) throw notFound(`invalid log level '${level}'.`); // sic: Connect answers 404
    // Unknown scopes fall back to the worker scope, as in Connect.
    const scope = (queryValue(queryOf(req), 'scope') ?? 'worker').toLowerCase();
    if (scope === 'cluster') {
      try { checkLevelNamespace(namespace); } catch (e) { if (e instanceof LoggerLimitError) throw badRequest(e.message); throw e; }
      const setCluster = herder.setClusterLoggerLevel?.bind(herder);
      if (setCluster) await call(() => setCluster(namespace, level));
      else setLevel(namespace, level); // a single-worker cluster (standalone): the cluster is this worker
      return reply.code(204).send();
    }
    if (scope !== 'worker') ctx.log.warn({ scope }, 'unknown logging scope; using worker scope');
    return setLevel(namespace, level);
  });
}
