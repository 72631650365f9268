/**
 * The routes of the Kubernetes API STAND-IN (see standin.ts for what it is and is not): list, watch, get, create,
 * replace, merge-patch and delete of Nodes and ENIConfigs, and core Events, answered as the API server answers them
 * (List objects with a resourceVersion, JSON-lines watch streams, `Status` objects for errors); ipamd's own calls
 * are in routes-ipamd.ts. Injected faults (state.faults) answer before any route.
 *
 * @example
 * route({ state, watches, method: 'GET', url: new URL('http://x/api/v1/nodes/node-1'), body: '', contentType: '', res });
 */
import type { ServerResponse } from 'node:http';
import { ENICONFIG_API_VERSION, ENICONFIG_KIND } from '../../../src/eniconfig/types.js';
import { routeIpamd } from './routes-ipamd.js';
import {
  mergePatch,
  StandinRefusal,
  type Collection,
  type K8sObject,
  type StandinState,
  type WatchEntry,
} from './state.js';

/** Open watch streams (closed by the stand-in's close()). */
export type Watches = Set<{ end(): void }>;

export interface RouteRequest {
  readonly state: StandinState;
  readonly watches: Watches;
  readonly method: string;
  readonly url: URL;
  readonly body: string;
  readonly contentType: string;
  readonly res: ServerResponse;
}

const ENICONFIGS = `/apis/${ENICONFIG_API_VERSION}/eniconfigs`;
const MERGE_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json'];

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Answers a Kubernetes `Status` failure.
 *
 * @example
 * sendStatus(res, 404, 'NotFound', 'nodes "x" not found');
 */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function parseBody(body: string): K8sObject {
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch (error) {
    throw new StandinRefusal(400, 'BadRequest', `the request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new StandinRefusal(400, 'BadRequest', 'the request body must be a JSON object');
  return value as K8sObject;
}

/** The ENIConfig CRD's structural schema [behaviour §4.2]: spec.subnet required string, spec.securityGroups list of strings. */
function checkEniConfig(object: K8sObject, name?: string): void {
  const invalid = (field: string, what: string): StandinRefusal =>
    new StandinRefusal(
      422,
      'Invalid',
      `ENIConfig.crd.k8s.amazonaws.com "${name ?? String(object.metadata?.name)}" is invalid: ${field}: ${what}`,
    );
  if (object['apiVersion'] !== ENICONFIG_API_VERSION || object['kind'] !== ENICONFIG_KIND)
    throw new StandinRefusal(400, 'BadRequest', `expected apiVersion ${ENICONFIG_API_VERSION}, kind ${ENICONFIG_KIND}`);
  if (typeof object.metadata?.name !== 'string' || object.metadata.name === '')
    throw invalid('metadata.name', 'Required value');
  if (name !== undefined && object.metadata.name !== name)
    throw new StandinRefusal(
      400,
      'BadRequest',
      `the name in the body (${object.metadata.name}) does not match the URL (${name})`,
    );
  const spec = object['spec'] as { subnet?: unknown; securityGroups?: unknown } | undefined;
  if (typeof spec !== 'object' || spec === null) throw invalid('spec', 'Required value');
  if (spec.subnet === undefined) throw invalid('spec.subnet', 'Required value');
  if (typeof spec.subnet !== 'string') throw invalid('spec.subnet', `Invalid value: must be of type string`);
  const groups = spec.securityGroups;
  if (groups !== undefined && (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')))
    throw invalid('spec.securityGroups', 'Invalid value: must be a list of strings');
}

function nameFilter(url: URL): string | undefined {
  const label = url.searchParams.get('labelSelector');
  if (label !== null && label !== '')
    throw new StandinRefusal(400, 'BadRequest', 'the stand-in does not implement labelSelector');
  const field = url.searchParams.get('fieldSelector');
  if (field === null || field === '') return undefined;
  const match = /^metadata\.name==?([^,]+)$/.exec(field);
  if (match?.[1] === undefined)
    throw new StandinRefusal(
      400,
      'BadRequest',
      `the stand-in supports only fieldSelector=metadata.name=<name>, not '${field}'`,
    );
  return match[1];
}

function list(req: RouteRequest, collection: Collection): void {
  const name = nameFilter(req.url);
  const items = req.state.list(collection).filter((o) => name === undefined || o.metadata.name === name);
  const node = collection === 'nodes';
  send(req.res, 200, {
    apiVersion: node ? 'v1' : ENICONFIG_API_VERSION,
    kind: node ? 'NodeList' : 'ENIConfigList',
    metadata: { resourceVersion: String(req.state.resourceVersion) },
    items,
  });
}

function watch(req: RouteRequest, collection: Collection): void {
  const { res, state, watches, url } = req;
  const name = nameFilter(url);
  const rvText = url.searchParams.get('resourceVersion') ?? '';
  if (rvText !== '' && !/^\d+$/.test(rvText))
    throw new StandinRefusal(400, 'BadRequest', `resourceVersion '${rvText}' is not a number`);
  const matches = (entry: WatchEntry): boolean =>
    entry.collection === collection && (name === undefined || entry.object.metadata.name === name);
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  // A client's watch call returns once the headers arrive, even when no event is due yet.
  res.flushHeaders();
  const write = (type: string, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => undefined;
  const stream = {
    end: () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      watches.delete(stream);
      res.end();
    },
  };
  if (rvText === '' || rvText === '0') {
    for (const object of state.list(collection))
      if (name === undefined || object.metadata.name === name) write('ADDED', object);
  } else {
    const replay = state.since(Number(rvText));
    if (replay === undefined) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
        message: `too old resource version: ${rvText}`,
      });
      res.end();
      return;
    }
    for (const entry of replay.filter(matches)) write(entry.type, entry.object);
  }
  unsubscribe = state.subscribe((entry) => {
    if (matches(entry)) write(entry.type, entry.object);
  });
  watches.add(stream);
  res.on('close', stream.end);
  const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
  if (timeout > 0) timer = setTimeout(stream.end, timeout * 1000);
}

function object(req: RouteRequest, collection: Collection, name: string): void {
  const { method, state, res } = req;
  if (method === 'GET') {
    const found = state.get(collection, name);
    if (found === undefined) throw new StandinRefusal(404, 'NotFound', `${collection} "${name}" not found`);
    send(res, 200, found);
  } else if (method === 'PATCH') {
    const type = req.contentType.split(';')[0]?.trim() ?? '';
    if (!MERGE_TYPES.includes(type))
      throw new StandinRefusal(
        415,
        'UnsupportedMediaType',
        `the stand-in applies merge patches only (${MERGE_TYPES.join(', ')}), not '${type}'`,
      );
    const current = state.get(collection, name);
    if (current === undefined) throw new StandinRefusal(404, 'NotFound', `${collection} "${name}" not found`);
    const patch = parseBody(req.body);
    if (collection === 'eniconfigs')
      checkEniConfig({ ...(mergePatch(current, patch) as K8sObject), metadata: { ...current.metadata } }, name);
    send(res, 200, state.patch(collection, name, patch));
  } else if (method === 'PUT' && collection === 'eniconfigs') {
    const body = parseBody(req.body);
    checkEniConfig(body, name);
    send(res, 200, state.replace(collection, body));
  } else if (method === 'DELETE' && collection === 'eniconfigs') {
    const gone = state.delete(collection, name);
    if (gone === undefined) throw new StandinRefusal(404, 'NotFound', `${collection} "${name}" not found`);
    send(res, 200, gone);
  } else {
    throw new StandinRefusal(
      405,
      'MethodNotAllowed',
      `the stand-in does not implement ${method} on ${collection}/${name}`,
    );
  }
}

function events(req: RouteRequest, namespace: string): void {
  if (req.method === 'GET') {
    send(req.res, 200, {
      apiVersion: 'v1',
      kind: 'EventList',
      metadata: { resourceVersion: String(req.state.resourceVersion) },
      items: req.state.events(namespace),
    });
    return;
  }
  if (req.method !== 'POST')
    throw new StandinRefusal(405, 'MethodNotAllowed', `the stand-in does not implement ${req.method} on events`);
  const event = parseBody(req.body);
  const metadata = (event.metadata ?? {}) as Record<string, unknown>;
  const name =
    typeof metadata['name'] === 'string' && metadata['name'] !== ''
      ? metadata['name']
      : typeof metadata['generateName'] === 'string'
        ? `${metadata['generateName']}${req.state.resourceVersion.toString(36)}`
        : undefined;
  if (name === undefined)
    throw new StandinRefusal(
      422,
      'Invalid',
      'Event is invalid: metadata.name: Required value: name or generateName is required',
    );
  if (metadata['namespace'] !== undefined && metadata['namespace'] !== namespace)
    throw new StandinRefusal(
      400,
      'BadRequest',
      `the namespace of the provided object (${JSON.stringify(metadata['namespace'])}) does not match the namespace sent on the request (${namespace})`,
    );
  if (typeof event['involvedObject'] !== 'object' || event['involvedObject'] === null)
    throw new StandinRefusal(422, 'Invalid', 'Event is invalid: involvedObject: Required value');
  send(req.res, 201, req.state.addEvent({ ...event, metadata: { ...metadata, name, namespace } }));
}

/**
 * Serves one request (the body already read); refusals become `Status` answers.
 *
 * @example
 * route(request); // writes the answer on request.res
 */
export function route(req: RouteRequest): void {
  const path = req.url.pathname.replace(/\/+$/, '');
  const watching = ['true', '1'].includes(req.url.searchParams.get('watch') ?? '');
  const fault = req.state.faults.match(req.method, path);
  if (fault !== undefined) {
    if (fault.hang === true) return; // no answer: the client's timeout fires (close() ends the connection)
    const groups = fault.path.exec(path)?.groups ?? {};
    const message =
      typeof fault.message === 'function'
        ? fault.message(groups)
        : (fault.message ?? `injected failure of ${req.method} ${path}`);
    sendStatus(req.res, fault.status ?? 500, fault.reason ?? 'InternalError', message);
    return;
  }
  try {
    let m: RegExpExecArray | null;
    if (routeIpamd(req, path)) {
      // answered (pods, CNINodes, events.k8s.io, /version)
    } else if ((path === '/api/v1/nodes' || path === ENICONFIGS) && req.method === 'GET') {
      const collection = path === ENICONFIGS ? 'eniconfigs' : 'nodes';
      if (watching) watch(req, collection);
      else list(req, collection);
    } else if (path === ENICONFIGS && req.method === 'POST') {
      const body = parseBody(req.body);
      checkEniConfig(body);
      send(req.res, 201, req.state.create('eniconfigs', body));
    } else if ((m = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path)) !== null && m[1] !== undefined) {
      object(req, 'nodes', decodeURIComponent(m[1]));
    } else if (path.startsWith(`${ENICONFIGS}/`) && !path.slice(ENICONFIGS.length + 1).includes('/')) {
      object(req, 'eniconfigs', decodeURIComponent(path.slice(ENICONFIGS.length + 1)));
    } else if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path)) !== null && m[1] !== undefined) {
      events(req, decodeURIComponent(m[1]));
    } else {
      sendStatus(
        req.res,
        404,
        'NotFound',
        `the Kubernetes stand-in does not implement ${req.method} ${req.url.pathname}`,
      );
    }
  } catch (error) {
    if (error instanceof StandinRefusal) sendStatus(req.res, error.status, error.reason, error.message);
    else throw error;
  }
}
