/**
 * The stand-in's routes for what ipamd itself calls (see standin.ts for what the stand-in is and is not):
 * `GET /version`, `GET|PATCH` of a Pod, `GET|PATCH` of a CNINode (`vpcresources.k8s.aws/v1alpha1`, cluster-scoped),
 * and `events.k8s.io/v1` Events (`GET|POST` of the namespace's collection, `GET|PATCH` of one). The validation is
 * the API server's where ipamd could get it wrong: an events.k8s.io Event needs `eventTime`, `reportingController`,
 * `reportingInstance`, `action`, `reason` and a `regarding` object in its own namespace.
 *
 * @example
 * if (routeIpamd(req, path)) return; // answered
 */
import { StandinRefusal, type Collection, type K8sObject } from './state.js';
import type { RouteRequest } from './routes.js';

export const STANDIN_VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.0-standin', platform: 'linux/amd64' };

const MERGE = 'application/merge-patch+json';
const CNINODES = /^\/apis\/vpcresources\.k8s\.aws\/v1alpha1\/cninodes\/([^/]+)$/;
const PODS = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;
const EVENTS = /^\/apis\/events\.k8s\.io\/v1\/namespaces\/([^/]+)\/events(?:\/([^/]+))?$/;

function send(req: RouteRequest, status: number, body: unknown): void {
  req.res.writeHead(status, { 'content-type': 'application/json' });
  req.res.end(JSON.stringify(body));
}

function body(req: RouteRequest): K8sObject {
  let value: unknown;
  try {
    value = JSON.parse(req.body) as unknown;
  } catch (error) {
    throw new StandinRefusal(400, 'BadRequest', `the request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new StandinRefusal(400, 'BadRequest', 'the request body must be a JSON object');
  return value as K8sObject;
}

/** GET or merge-PATCH of one object (`key` = name or `namespace/name`). */
function one(req: RouteRequest, collection: Collection, key: string, kind: string): void {
  const name = key.slice(key.indexOf('/') + 1);
  if (req.method === 'GET') {
    const found = req.state.get(collection, key);
    if (found === undefined) throw new StandinRefusal(404, 'NotFound', `${kind} "${name}" not found`);
    send(req, 200, found);
    return;
  }
  if (req.method !== 'PATCH')
    throw new StandinRefusal(405, 'MethodNotAllowed', `the stand-in does not implement ${req.method} on ${kind}`);
  const type = req.contentType.split(';')[0]?.trim() ?? '';
  // Custom resources take no strategic merge patch; core objects do, and the stand-in treats it as a merge patch.
  if (type !== MERGE && (collection !== 'pods' || type !== 'application/strategic-merge-patch+json'))
    throw new StandinRefusal(415, 'UnsupportedMediaType', `the stand-in applies merge patches only, not '${type}'`);
  send(req, 200, req.state.patch(collection, key, body(req)));
}

function checkEventV1(event: K8sObject, namespace: string): void {
  const missing = ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason'].filter(
    (field) => typeof event[field] !== 'string' || event[field] === '',
  );
  if (missing.length > 0)
    throw new StandinRefusal(
      422,
      'Invalid',
      `Event is invalid: ${missing.map((f) => `${f}: Required value`).join(', ')}`,
    );
  const regarding = event['regarding'] as { namespace?: unknown; name?: unknown } | undefined;
  if (typeof regarding?.name !== 'string')
    throw new StandinRefusal(422, 'Invalid', 'Event is invalid: regarding.name: Required value');
  if (regarding.namespace !== undefined && regarding.namespace !== namespace)
    throw new StandinRefusal(422, 'Invalid', `Event is invalid: regarding.namespace: does not match event.namespace`);
}

function eventsV1(req: RouteRequest, namespace: string, name: string | undefined): void {
  if (name !== undefined) {
    one(req, 'eventsv1', `${namespace}/${name}`, 'events.events.k8s.io');
    return;
  }
  if (req.method === 'GET') {
    const items = req.state.list('eventsv1').filter((e) => e.metadata['namespace'] === namespace);
    const metadata = { resourceVersion: String(req.state.resourceVersion) };
    send(req, 200, { apiVersion: 'events.k8s.io/v1', kind: 'EventList', metadata, items });
    return;
  }
  if (req.method !== 'POST')
    throw new StandinRefusal(405, 'MethodNotAllowed', `the stand-in does not implement ${req.method} on events`);
  const event = body(req);
  checkEventV1(event, namespace);
  const metadata = { ...(event.metadata ?? {}), namespace } as K8sObject['metadata'];
  if (typeof metadata.name !== 'string' || metadata.name === '')
    throw new StandinRefusal(422, 'Invalid', 'Event is invalid: metadata.name: Required value');
  send(req, 201, req.state.create('eventsv1', { ...event, metadata }));
}

/**
 * Serves the request when it is one of this module's routes; false otherwise (routes.ts goes on).
 *
 * @example
 * routeIpamd(req, '/version'); // true, answered
 */
export function routeIpamd(req: RouteRequest, path: string): boolean {
  let m: RegExpExecArray | null;
  if (path === '/version' && req.method === 'GET') {
    send(req, 200, STANDIN_VERSION);
  } else if ((m = PODS.exec(path)) !== null && m[1] !== undefined && m[2] !== undefined) {
    one(req, 'pods', `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`, 'pods');
  } else if ((m = CNINODES.exec(path)) !== null && m[1] !== undefined) {
    one(req, 'cninodes', decodeURIComponent(m[1]), 'cninodes.vpcresources.k8s.aws');
  } else if ((m = EVENTS.exec(path)) !== null && m[1] !== undefined) {
    eventsV1(req, decodeURIComponent(m[1]), m[2] === undefined ? undefined : decodeURIComponent(m[2]));
  } else {
    return false;
  }
  return true;
}
