/**
 * Strict validation of one ENIConfig object (already decoded from YAML, JSON or the API server) against the
 * reference CRD schema [behaviour §4.2]: `apiVersion: crd.k8s.amazonaws.com/v1alpha1`, `kind: ENIConfig`,
 * `metadata.name` a DNS subdomain, `spec.subnet` a subnet id (required), `spec.securityGroups` a list of group ids
 * (optional).
 *
 * Problems make the object unusable; warnings do not (the CRD preserves unknown fields, so a cluster may hold them)
 * but usually reveal a mistake, like `securityGroup:` for `securityGroups:` — which silently means "the primary
 * ENI's groups".
 *
 * @example
 * const checked = validateEniConfigObject(yamlValue, { source: 'eniconfigs/a.yaml', index: 0 });
 * if (checked.problems.length > 0) throw new Error(checked.problems.join('; '));
 */
import { ENICONFIG_API_VERSION, ENICONFIG_KIND, eniConfig, type DocumentOrigin, type EniConfig } from './types.js';

export interface CheckedEniConfig {
  /** Present when there are no problems. */
  readonly config?: EniConfig;
  /** metadata.name when it could be read (also when the rest is invalid), for duplicate and lookup reports. */
  readonly name?: string;
  readonly origin: DocumentOrigin;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const SPEC_FIELDS = ['subnet', 'securityGroups'];
/** EC2's default quota of security groups per network interface. */
const GROUPS_PER_ENI = 5;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

/** The closest known spec field to an unknown one (typos like `securityGroup`, `subnets`, `SubnetId`). */
function closestField(field: string): string | undefined {
  const lower = field.toLowerCase();
  return SPEC_FIELDS.find((known) => {
    const k = known.toLowerCase();
    return k.startsWith(lower) || lower.startsWith(k) || lower.includes(k.replace(/s$/, '')) || k.includes(lower);
  });
}

function checkName(metadata: unknown, problems: string[]): string | undefined {
  if (!isRecord(metadata)) {
    problems.push(`metadata must be a mapping with a name, not ${typeName(metadata)}`);
    return undefined;
  }
  const name = metadata['name'];
  if (typeof name !== 'string' || name.length === 0) {
    problems.push(`metadata.name is required (a string), got ${typeName(name)}`);
    return undefined;
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    problems.push(
      `metadata.name '${name}' is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', at most 253 characters)`,
    );
  }
  return name;
}

function checkSpec(
  spec: unknown,
  problems: string[],
  warnings: string[],
): { subnet: string; securityGroups?: string[] } | undefined {
  if (!isRecord(spec)) {
    problems.push(`spec is required (a mapping with subnet and optional securityGroups), got ${typeName(spec)}`);
    return undefined;
  }
  for (const field of Object.keys(spec).filter((f) => !SPEC_FIELDS.includes(f))) {
    const guess = closestField(field);
    warnings.push(
      `spec.${field} is not an ENIConfig field and is ignored${guess === undefined ? '' : ` (did you mean spec.${guess}?)`}`,
    );
  }
  const subnet = spec['subnet'];
  let subnetOk = false;
  if (typeof subnet !== 'string' || subnet.length === 0)
    problems.push(`spec.subnet is required (a subnet id like subnet-0123456789abcdef0), got ${typeName(subnet)}`);
  else if (!SUBNET_ID.test(subnet))
    problems.push(`spec.subnet '${subnet}' is not a subnet id (subnet- followed by 8 or 17 hexadecimal digits)`);
  else subnetOk = true;
  const groups = spec['securityGroups'];
  if (groups === undefined || groups === null) return subnetOk ? { subnet: subnet as string } : undefined;
  if (!Array.isArray(groups)) {
    problems.push(`spec.securityGroups must be a list of security group ids, got ${typeName(groups)}`);
    return undefined;
  }
  const ids: string[] = [];
  groups.forEach((group: unknown, i) => {
    if (typeof group !== 'string' || !GROUP_ID.test(group)) {
      problems.push(
        `spec.securityGroups[${i}] ${typeof group === 'string' ? `'${group}'` : `(${typeName(group)})`} is not a security group id (sg- followed by 8 or 17 hexadecimal digits)`,
      );
    } else if (ids.includes(group)) {
      warnings.push(`spec.securityGroups lists ${group} twice`);
    } else {
      ids.push(group);
    }
  });
  if (ids.length > GROUPS_PER_ENI)
    warnings.push(
      `spec.securityGroups has ${ids.length} groups; EC2 allows ${GROUPS_PER_ENI} per network interface unless the quota was raised`,
    );
  return subnetOk ? { subnet: subnet as string, securityGroups: ids } : undefined;
}

/**
 * Checks one decoded document. Never throws: the caller decides whether problems are fatal.
 *
 * @example
 * validateEniConfigObject({ apiVersion: 'v1', kind: 'ENIConfig' }, { source: 'a.yaml' }).problems[0];
 * // "apiVersion must be crd.k8s.amazonaws.com/v1alpha1, got string \"v1\""
 */
export function validateEniConfigObject(value: unknown, origin: DocumentOrigin): CheckedEniConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!isRecord(value)) {
    return { origin, problems: [`an ENIConfig document must be a mapping, not ${typeName(value)}`], warnings };
  }
  if (value['apiVersion'] !== ENICONFIG_API_VERSION)
    problems.push(`apiVersion must be ${ENICONFIG_API_VERSION}, got ${typeName(value['apiVersion'])}`);
  if (value['kind'] !== ENICONFIG_KIND) problems.push(`kind must be ${ENICONFIG_KIND}, got ${typeName(value['kind'])}`);
  const name = checkName(value['metadata'], problems);
  if (isRecord(value['metadata']) && value['metadata']['namespace'] !== undefined) {
    warnings.push('metadata.namespace is ignored: ENIConfig is cluster-scoped');
  }
  const spec = checkSpec(value['spec'], problems, warnings);
  const base = { origin, problems, warnings, ...(name === undefined ? {} : { name }) };
  if (problems.length > 0 || spec === undefined || name === undefined) return base;
  const config = eniConfig(name, spec);
  const resourceVersion = isRecord(value['metadata']) ? value['metadata']['resourceVersion'] : undefined;
  return {
    ...base,
    config: typeof resourceVersion === 'string' ? { ...config, metadata: { name, resourceVersion } } : config,
  };
}
