/**
 * The embedded VPC's control endpoint, served under `/_sim/` on the EC2 port: read the state summary, inject
 * faults, tune throttling and the IMDS propagation lag while clients run. JSON in and out; every body is checked
 * against a strict schema (unknown keys are errors) and refused with a 400 that names each bad field.
 *
 * | route | methods | body (PUT) |
 * |---|---|---|
 * | `/_sim/state` | GET | |
 * | `/_sim/faults` | GET, PUT (replace all rules), DELETE (clear) | `{ seed?, rules: { Action: { code?, message?,
 * status?, probability, latencyMs?, count? } } }` |
 * | `/_sim/throttle` | GET, PUT | `{ enabled?, scale?, overrides?: { Action: { capacity, refillPerSecond } }, reset?,
 * drain?: true \| [Action] }` |
 * | `/_sim/imds` | GET, PUT | `{ lagMs?, attachLagMs?, detachLagMs?, addressLagMs?, frozen?, flush? }` |
 *
 * @example
 * curl -X PUT 127.0.0.1:PORT/_sim/faults -d '{"rules":{"AttachNetworkInterface":{"code":"InternalError","probability":1,"count":1}}}'
 * curl -X PUT 127.0.0.1:PORT/_sim/imds -d '{"lagMs":2000}'
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SimGate } from './gate/index.js';
import type { ImdsPropagation } from './imds/view.js';
import { trunkViews } from './state/ops-trunk.js';
import type { VpcStore } from './state/store.js';
import { messageOf } from '../errors.js';
import { isSimError, SimError } from './errors.js';

export const ADMIN_PREFIX = '/_sim/';
const MAX_BODY_BYTES = 64 * 1024;

export interface AdminOptions {
  readonly store: VpcStore;
  readonly gate: SimGate;
  readonly imds: ImdsPropagation;
}

/**
 * A refused admin request: the HTTP status and the admin API's own error code (`NotFound`, `InvalidJson`, ...), which
 * the response carries as `error.code`.
 */
function adminError(status: number, adminCode: string, message: string, extra: Record<string, unknown> = {}): SimError {
  return new SimError('SIM_ADMIN_REQUEST', message, { httpStatus: status, adminCode, ...extra });
}

const ACTION = z
  .string()
  .regex(/^(\*|[A-Z][A-Za-z0-9]*)$/, 'expected an EC2 action name (e.g. AttachNetworkInterface) or *');

const FAULT_RULE = z
  .strictObject({
    code: z
      .string()
      .regex(/^[A-Za-z][\w.]*$/, 'expected an EC2 error code such as InternalError')
      .optional(),
    message: z.string().max(1024).optional(),
    status: z.number().int().min(400).max(599).optional(),
    probability: z.number().min(0).max(1),
    latencyMs: z.number().min(0).max(600_000).optional(),
    count: z.number().int().min(0).optional(),
  })
  .refine((rule) => rule.code !== undefined || rule.latencyMs !== undefined, {
    message: 'a fault needs code, latencyMs or both',
  });

const FAULTS_BODY = z.strictObject({ seed: z.number().int().optional(), rules: z.record(ACTION, FAULT_RULE) });

const BUCKET = z.strictObject({ capacity: z.number().min(1).max(1e9), refillPerSecond: z.number().min(0).max(1e9) });

const THROTTLE_BODY = z.strictObject({
  enabled: z.boolean().optional(),
  scale: z.number().positive().max(1e6).optional(),
  overrides: z.record(ACTION, BUCKET).optional(),
  reset: z.boolean().optional(),
  drain: z.union([z.literal(true), z.array(ACTION)]).optional(),
});

const LAG = z.number().min(0).max(3_600_000);
const IMDS_BODY = z.strictObject({
  lagMs: LAG.optional(),
  attachLagMs: LAG.optional(),
  detachLagMs: LAG.optional(),
  addressLagMs: LAG.optional(),
  frozen: z.boolean().optional(),
  flush: z.boolean().optional(),
});

/** Drops `undefined` members, so zod's optional output fits types written for exactOptionalPropertyTypes. */
function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw adminError(413, 'PayloadTooLarge', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw adminError(400, 'InvalidRequest', 'expected a JSON body');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw adminError(400, 'InvalidJson', `the body is not JSON: ${(error as Error).message}`);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw adminError(400, 'InvalidRequest', summary, { issues });
}

function stateSummary({ store, gate, imds }: AdminOptions): Record<string, unknown> {
  const states: Record<string, number> = {};
  for (const instance of store.instances.values()) states[instance.state] = (states[instance.state] ?? 0) + 1;
  const types: Record<string, number> = {};
  for (const eni of store.enis.values()) types[eni.interfaceType] = (types[eni.interfaceType] ?? 0) + 1;
  return {
    region: store.region,
    accountId: store.accountId,
    now: store.clock.now(),
    counts: {
      vpcs: store.vpcs.size,
      subnets: store.subnets.size,
      securityGroups: store.securityGroups.size,
      routeTables: store.routeTables.size,
      networkInterfaces: store.enis.size,
      instances: store.instances.size,
      trunkAssociations: store.trunkAssociations.size,
    },
    instances: states,
    /** ENIs by interfaceType (`interface`, `trunk`, `branch`, ...). */
    interfaceTypes: types,
    trunks: trunkViews(store),
    throttle: { enabled: gate.throttle.settings.enabled, scale: gate.throttle.settings.scale },
    faults: Object.keys(gate.faults.settings.rules),
    imds: { ...imds.settings, pending: imds.pending() },
  };
}

const throttleState = (gate: SimGate): Record<string, unknown> => ({
  ...gate.throttle.settings,
  buckets: gate.throttle.buckets(),
});
const faultState = (gate: SimGate): Record<string, unknown> => ({
  seed: gate.faults.settings.seed,
  rules: gate.faults.rules(),
});
const imdsState = (imds: ImdsPropagation): Record<string, unknown> => ({ ...imds.settings, pending: imds.pending() });

type Route = Partial<Record<'GET' | 'PUT' | 'DELETE', (body: unknown) => Record<string, unknown>>>;

function routes(options: AdminOptions): Readonly<Record<string, Route>> {
  const { gate, imds } = options;
  return {
    state: { GET: () => stateSummary(options) },
    faults: {
      GET: () => faultState(gate),
      PUT: (body) => {
        const { seed, rules } = parseBody(FAULTS_BODY, body);
        const compacted = Object.fromEntries(Object.entries(rules).map(([action, rule]) => [action, compact(rule)]));
        gate.faults.configure({ rules: compacted, ...(seed === undefined ? {} : { seed }) });
        return faultState(gate);
      },
      DELETE: () => {
        gate.faults.clear();
        return faultState(gate);
      },
    },
    throttle: {
      GET: () => throttleState(gate),
      PUT: (body) => {
        const { reset, drain, ...settings } = compact(parseBody(THROTTLE_BODY, body));
        if (Object.keys(settings).length > 0) gate.throttle.configure(settings);
        if (reset === true) gate.throttle.reset();
        if (drain === true) gate.throttle.drain();
        else for (const action of drain ?? []) gate.throttle.drain(action);
        return throttleState(gate);
      },
    },
    imds: {
      GET: () => imdsState(imds),
      PUT: (body) => {
        const { flush, ...settings } = compact(parseBody(IMDS_BODY, body));
        imds.configure(settings);
        if (flush === true) imds.flush();
        return imdsState(imds);
      },
    },
  };
}

/**
 * The `/_sim/*` handler. Requests outside the prefix get a 404 too, so the caller may route by prefix or not at all.
 */
export function adminHandler(options: AdminOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const table = routes(options);
  return async (req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = `${JSON.stringify(body, null, 2)}\n`;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(text);
    };
    try {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const name = path.startsWith(ADMIN_PREFIX) ? path.slice(ADMIN_PREFIX.length).replace(/\/$/, '') : undefined;
      const route = name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
      if (route === undefined)
        throw adminError(
          404,
          'NotFound',
          `no such endpoint ${path}; try ${Object.keys(table)
            .map((n) => ADMIN_PREFIX + n)
            .join(', ')}`,
        );
      const method = req.method ?? 'GET';
      const handler = method === 'GET' || method === 'PUT' || method === 'DELETE' ? route[method] : undefined;
      const allowed = Object.keys(route).join(', ');
      if (handler === undefined)
        throw adminError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}; use ${allowed}`, {
          allow: allowed,
        });
      const body = method === 'PUT' ? await readJson(req) : undefined;
      send(200, handler(body));
    } catch (error) {
      if (isSimError(error, 'SIM_ADMIN_REQUEST')) {
        const { httpStatus, adminCode, ...extra } = error.details;
        const allow = typeof extra['allow'] === 'string' ? { allow: extra['allow'] } : {};
        send(Number(httpStatus), { error: { code: adminCode, message: error.message, ...extra } }, allow);
      } else if (error instanceof RangeError) {
        send(400, { error: { code: 'InvalidRequest', message: error.message } });
      } else {
        send(500, { error: { code: 'InternalError', message: messageOf(error) } });
      }
    }
  };
}
