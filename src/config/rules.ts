/**
 * Rules that involve several variables, checked after every variable parsed on its own. A rule whose variables
 * did not parse is skipped (the variable's own error is already reported), so every independent problem is
 * reported in one pass.
 *
 * @example
 * checkRules(values, { ENABLE_IPv6: 'true' }, new Set());
 * // { problems: ["ENABLE_IPv6='true' requires ENABLE_PREFIX_DELEGATION=true (...)"], warnings: [] }
 */
import { showValue } from './parsers.js';
import { MTU, type EnvName, type EnvValues } from './schema.js';

/** The variables as given, after empty strings were turned into "unset". */
export type RawEnv = Partial<Record<EnvName, string>>;

export type IpFamilyChoice = 'ipv4' | 'ipv6' | 'both' | 'neither';

/**
 * Departure from the reference (whose ENABLE_IPv4 code default is false, so ipamd fails to start when neither is
 * set): IPv4 unless the user chose otherwise. Explicit choices must still name exactly one family.
 */
export function ipFamilyChoice(v4: boolean | undefined, v6: boolean | undefined): IpFamilyChoice {
  const ipv4 = v4 ?? v6 !== true;
  const ipv6 = v6 ?? false;
  if (ipv4 && ipv6) return 'both';
  if (ipv4) return 'ipv4';
  return ipv6 ? 'ipv6' : 'neither';
}

export interface RuleOutcome {
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

interface RuleContext {
  readonly values: EnvValues;
  readonly raw: RawEnv;
  readonly problem: (message: string) => void;
  readonly warn: (message: string) => void;
}

interface Rule {
  readonly uses: readonly EnvName[];
  check(context: RuleContext): void;
}

/** Deprecated variables: accepted with any value, ignored, and warned about. */
export const DEPRECATED_VARIABLES = [
  ['AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER', 'rp_filter is always set to 2 (loose) on the primary interface'],
  ['ENABLE_NFTABLES', 'the iptables backend (legacy or nftables) is detected automatically'],
] as const satisfies readonly (readonly [EnvName, string])[];

/** Features of the reference not built yet: turning one on is refused at start, naming the variable. */
const NOT_IMPLEMENTED = [
  ['ENABLE_POD_ENI', 'security groups for pods (trunk and branch ENIs)'],
  ['ENABLE_MULTI_NIC', 'pod interfaces on several network cards (multi-NIC)'],
] as const satisfies readonly (readonly [EnvName, string])[];

export type DeprecatedName = (typeof DEPRECATED_VARIABLES)[number][0];

/** `NAME='value'` as given, or `NAME unset`. */
function given(raw: RawEnv, name: EnvName): string {
  const value = raw[name];
  return value === undefined ? `${name} unset` : `${name}=${showValue(value)}`;
}

const RULES: readonly Rule[] = [
  {
    uses: ['ENABLE_IPv4', 'ENABLE_IPv6'],
    check({ values, raw, problem }) {
      const choice = ipFamilyChoice(values.ENABLE_IPv4, values.ENABLE_IPv6);
      if (choice !== 'both' && choice !== 'neither') return;
      const why = choice === 'both' ? 'dual stack is not supported' : 'pods need an address family';
      problem(
        `${given(raw, 'ENABLE_IPv4')} and ${given(raw, 'ENABLE_IPv6')}: exactly one of them must be true (${why})`,
      );
    },
  },
  {
    uses: ['ENABLE_IPv4', 'ENABLE_IPv6', 'ENABLE_PREFIX_DELEGATION', 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG'],
    check({ values, raw, problem }) {
      if (ipFamilyChoice(values.ENABLE_IPv4, values.ENABLE_IPv6) !== 'ipv6') return;
      if (!values.ENABLE_PREFIX_DELEGATION) {
        const why = 'IPv6 pods get addresses from a /80 prefix';
        problem(`${given(raw, 'ENABLE_IPv6')} requires ENABLE_PREFIX_DELEGATION=true (${why})`);
      }
      if (values.AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG) {
        const custom = given(raw, 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG');
        problem(`${given(raw, 'ENABLE_IPv6')} cannot be combined with ${custom}: custom networking is IPv4 only`);
      }
    },
  },
  ...(['AWS_VPC_ENI_MTU', 'POD_MTU'] as const).map((name): Rule => ({
    uses: ['ENABLE_IPv4', 'ENABLE_IPv6', name],
    check({ values, raw, problem }) {
      const mtu = values[name];
      if (ipFamilyChoice(values.ENABLE_IPv4, values.ENABLE_IPv6) !== 'ipv6' || mtu === undefined || mtu >= MTU.minIpv6)
        return;
      problem(`${given(raw, name)}: expected an integer from ${MTU.minIpv6} to ${MTU.max} in IPv6 mode`);
    },
  })),
  {
    // The reference entrypoint's check (which compares strings; here numbers). IPv6 mode has no warm targets; the
    // adaptive pool policy sizes the pool itself.
    uses: [
      'ENABLE_IPv4',
      'ENABLE_IPv6',
      'ENABLE_PREFIX_DELEGATION',
      'WARM_PREFIX_TARGET',
      'WARM_IP_TARGET',
      'MINIMUM_IP_TARGET',
      'VPC_CNI_POOL_POLICY',
    ],
    check({ values, raw, problem }) {
      if (ipFamilyChoice(values.ENABLE_IPv4, values.ENABLE_IPv6) !== 'ipv4' || !values.ENABLE_PREFIX_DELEGATION) return;
      if (values.VPC_CNI_POOL_POLICY === 'adaptive') return;
      if (values.WARM_PREFIX_TARGET > 0 || values.WARM_IP_TARGET > 0 || values.MINIMUM_IP_TARGET > 0) return;
      problem(
        `${given(raw, 'ENABLE_PREFIX_DELEGATION')} with ${given(raw, 'WARM_PREFIX_TARGET')} and neither WARM_IP_TARGET ` +
          'nor MINIMUM_IP_TARGET set keeps no free prefix ready for new pods: set WARM_PREFIX_TARGET=1 (the manifest value), ' +
          'or WARM_IP_TARGET and/or MINIMUM_IP_TARGET',
      );
    },
  },
  {
    uses: ['AWS_EC2_ENDPOINT', 'AWS_ENDPOINT_URL_EC2'],
    check({ values, raw, problem }) {
      const [a, b] = [values.AWS_EC2_ENDPOINT, values.AWS_ENDPOINT_URL_EC2];
      if (a === undefined || b === undefined || a === b) return;
      problem(`${given(raw, 'AWS_EC2_ENDPOINT')} and ${given(raw, 'AWS_ENDPOINT_URL_EC2')} disagree: set only one`);
    },
  },
  {
    uses: ['ENABLE_IMDS_ONLY_MODE', 'DISABLE_NETWORK_RESOURCE_PROVISIONING', 'DISABLE_LEAKED_ENI_CLEANUP'],
    check({ values, raw, warn }) {
      if (!values.ENABLE_IMDS_ONLY_MODE) return;
      for (const name of ['DISABLE_NETWORK_RESOURCE_PROVISIONING', 'DISABLE_LEAKED_ENI_CLEANUP'] as const) {
        if (raw[name] === undefined || values[name]) continue;
        warn(`${given(raw, name)} is overridden: ENABLE_IMDS_ONLY_MODE=true implies ${name}=true`);
      }
    },
  },
  {
    uses: ['ADDITIONAL_ENI_TAGS'],
    check({ values, warn }) {
      for (const key of values.ADDITIONAL_ENI_TAGS.dropped) {
        warn(
          `ADDITIONAL_ENI_TAGS: ignoring key ${showValue(key)} (keys containing k8s.amazonaws.com are reserved for vpc-cni)`,
        );
      }
    },
  },
  ...NOT_IMPLEMENTED.map(([name, what]): Rule => ({
    uses: [name],
    check({ values, raw, problem }) {
      if (values[name] !== true) return;
      problem(
        `${given(raw, name)}: ${what} are not implemented by vpc-cni yet, and a setting must never be accepted and ` +
          `then ignored; set ${name}=false, or keep the reference's aws-node on the nodes that need it`,
      );
    },
  })),
  ...DEPRECATED_VARIABLES.map(([name, why]): Rule => ({
    uses: [],
    check({ raw, warn }) {
      if (raw[name] !== undefined) warn(`${given(raw, name)} is deprecated and ignored: ${why}`);
    },
  })),
];

/** Runs every rule whose variables all parsed; `failed` names the variables that did not. */
export function checkRules(values: EnvValues, raw: RawEnv, failed: ReadonlySet<EnvName>): RuleOutcome {
  const problems: string[] = [];
  const warnings: string[] = [];
  const context: RuleContext = {
    values,
    raw,
    problem: (message) => problems.push(message),
    warn: (message) => warnings.push(message),
  };
  for (const rule of RULES) {
    if (rule.uses.every((name) => !failed.has(name))) rule.check(context);
  }
  return { problems, warnings };
}
