/**
 * Fault injection for the embedded VPC: per EC2 action (or `*` for every action), an error to answer with and/or
 * latency to add, with a probability and an optional budget ("fail the next 3 AttachNetworkInterface calls").
 * Off unless configured. The random draws come from a seeded PRNG, so a scenario with `probability: 0.3` fails the
 * same requests on every run.
 *
 * @example
 * const faults = new FaultInjector({ seed: 7, rules: { AttachNetworkInterface: { code: 'InternalError', probability: 1, count: 2 } } });
 * faults.decide('AttachNetworkInterface').error?.code; // 'InternalError' (twice, then undefined)
 */
import { Ec2Error } from '../ec2/errors.js';
import { seededRandom } from '../../ipam/random.js';

/** One action's fault. Without `code` the rule only adds latency. */
export interface FaultRule {
  readonly code?: string;
  readonly message?: string;
  /** HTTP status; defaults to EC2's status for the code (503 RequestLimitExceeded, 500 InternalError, else 400). */
  readonly status?: number;
  /** Chance (0..1) that a request is hit. */
  readonly probability: number;
  readonly latencyMs?: number;
  /** Fire this many times, then stop; unlimited when absent. */
  readonly count?: number;
}

/** The action name that applies a rule to every action without a rule of its own. */
export const ANY_ACTION = '*';

export interface FaultSettings {
  readonly seed: number;
  readonly rules: Readonly<Record<string, FaultRule>>;
}

export interface FaultOptions {
  readonly seed?: number;
  readonly rules?: Readonly<Record<string, FaultRule>>;
}

/** What to do with one request: wait `latencyMs`, then fail with `error` when set. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly error: Ec2Error | undefined;
}

/** A rule with its progress, for the admin endpoint. */
export interface FaultRuleState extends FaultRule {
  readonly fired: number;
}

const KNOWN: Readonly<Record<string, { status: number; message: string }>> = {
  RequestLimitExceeded: { status: 503, message: 'Request limit exceeded.' },
  InternalError: { status: 500, message: 'An internal error has occurred' },
  InternalFailure: { status: 500, message: 'An internal error has occurred' },
  ServerInternal: { status: 500, message: 'An internal error has occurred' },
  ServiceUnavailable: { status: 503, message: 'The service is unavailable. Try again later.' },
  Unavailable: { status: 503, message: 'The server is overloaded and cannot handle the request.' },
  AuthFailure: { status: 401, message: 'AWS was not able to validate the provided access credentials' },
  UnauthorizedOperation: { status: 403, message: 'You are not authorized to perform this operation.' },
  DryRunOperation: { status: 412, message: 'Request would have succeeded, but DryRun flag is set.' },
};

/** Throws a RangeError naming the first invalid field. */
export function validateFaultRule(action: string, rule: FaultRule): void {
  const bad = (field: string, why: string): never => {
    throw new RangeError(`fault for ${action}: ${field} ${why}`);
  };
  if (!(rule.probability >= 0 && rule.probability <= 1)) bad('probability', 'must be between 0 and 1');
  if (rule.code !== undefined && !/^[A-Za-z][\w.]*$/.test(rule.code)) bad('code', 'must look like an EC2 error code');
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599))
    bad('status', 'must be 400..599');
  if (rule.latencyMs !== undefined && !(Number.isFinite(rule.latencyMs) && rule.latencyMs >= 0))
    bad('latencyMs', 'must be >= 0');
  if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count >= 0))
    bad('count', 'must be a whole number >= 0');
  if (rule.code === undefined && rule.latencyMs === undefined) bad('code', 'or latencyMs is required');
}

/** Decides, per request, whether an injected fault fires; see the module comment. */
export class FaultInjector {
  #settings: FaultSettings;
  #random: () => number;
  readonly #fired = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    this.#settings = { seed: 1, rules: {} };
    this.#random = seededRandom(1);
    this.configure({ seed: options.seed ?? 1, rules: options.rules ?? {} });
  }

  get settings(): FaultSettings {
    return this.#settings;
  }

  /** Replaces the rules (and the seed, when given); restarts the PRNG and the fired counts. */
  configure(options: FaultOptions): void {
    const rules = options.rules ?? this.#settings.rules;
    for (const [action, rule] of Object.entries(rules)) validateFaultRule(action, rule);
    const seed = options.seed ?? this.#settings.seed;
    if (!Number.isInteger(seed)) throw new RangeError(`fault seed must be an integer, got ${seed}`);
    this.#settings = Object.freeze({ seed, rules: Object.freeze({ ...rules }) });
    this.#random = seededRandom(seed);
    this.#fired.clear();
  }

  /** Adds or replaces one action's rule, keeping the others and the PRNG's position. */
  set(action: string, rule: FaultRule): void {
    validateFaultRule(action, rule);
    this.#settings = Object.freeze({
      ...this.#settings,
      rules: Object.freeze({ ...this.#settings.rules, [action]: rule }),
    });
    this.#fired.delete(action);
  }

  /** Removes one action's rule, or all of them. */
  clear(action?: string): void {
    const rules = { ...this.#settings.rules };
    if (action === undefined) for (const key of Object.keys(rules)) delete rules[key];
    else delete rules[action];
    this.#settings = Object.freeze({ ...this.#settings, rules: Object.freeze(rules) });
  }

  rules(): Record<string, FaultRuleState> {
    const out: Record<string, FaultRuleState> = {};
    for (const [action, rule] of Object.entries(this.#settings.rules))
      out[action] = { ...rule, fired: this.#fired.get(action) ?? 0 };
    return out;
  }

  /** Draws for one request. Consumes a random number only for rules with 0 < probability < 1. */
  decide(action: string): FaultDecision {
    const rules = this.#settings.rules;
    const key = Object.hasOwn(rules, action) ? action : Object.hasOwn(rules, ANY_ACTION) ? ANY_ACTION : undefined;
    const rule = key === undefined ? undefined : rules[key];
    if (key === undefined || rule === undefined) return { latencyMs: 0, error: undefined };
    const fired = this.#fired.get(key) ?? 0;
    if (rule.count !== undefined && fired >= rule.count) return { latencyMs: 0, error: undefined };
    const hit = rule.probability >= 1 || (rule.probability > 0 && this.#random() < rule.probability);
    if (!hit) return { latencyMs: 0, error: undefined };
    this.#fired.set(key, fired + 1);
    return { latencyMs: rule.latencyMs ?? 0, error: rule.code === undefined ? undefined : faultError(rule.code, rule) };
  }
}

function faultError(code: string, rule: FaultRule): Ec2Error {
  const known = Object.hasOwn(KNOWN, code) ? KNOWN[code] : undefined;
  return new Ec2Error(
    code,
    rule.message ?? known?.message ?? `Injected fault: ${code}`,
    rule.status ?? known?.status ?? 400,
  );
}
