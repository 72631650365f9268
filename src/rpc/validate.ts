/**
 * The one validator of an AddNetwork or DelNetwork request's contents, shared by ipamd's gRPC server (before the
 * backend is called) and the backend (for in-process callers): a refused request is answered with Success=false and
 * errorCode RPC_INVALID_REQUEST, whoever refused it, and nothing changes.
 *
 * @example
 * requestProblem({ containerId: '', ifName: 'eth0', networkName: 'aws-cni', k8sPodName: '', k8sPodNamespace: '' });
 * // 'the request has an empty ContainerID (the runtime must pass CNI_CONTAINERID and CNI_IFNAME, the config a name)'
 */
import type { AddNetworkRequest } from './types.js';

export type ValidatedFields = Pick<
  AddNetworkRequest,
  'containerId' | 'ifName' | 'networkName' | 'k8sPodName' | 'k8sPodNamespace'
>;

/** The proto names of the fields every request needs. */
const REQUIRED = { containerId: 'ContainerID', ifName: 'IfName', networkName: 'NetworkName' } as const;

/** Field limits: a CNI interface name is a kernel link name (15 characters); others are generous but bounded. */
const LIMITS = { containerId: 256, ifName: 15, networkName: 256, k8sPodName: 253, k8sPodNamespace: 253 } as const;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why the request cannot be served, or undefined when it can: an empty id, a value longer than its limit, control
 * characters. (Sizes in bytes, 4 KiB per field, are the gRPC server's transport check: INVALID_ARGUMENT.)
 */
export function requestProblem(request: ValidatedFields): string | undefined {
  const empty = (Object.keys(REQUIRED) as (keyof typeof REQUIRED)[]).filter((field) => request[field] === '');
  if (empty.length > 0) {
    const names = empty.map((field) => REQUIRED[field]).join(', ');
    return `the request has an empty ${names} (the runtime must pass CNI_CONTAINERID and CNI_IFNAME, the config a name)`;
  }
  for (const [field, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    const value = request[field];
    if (value.length > max) return `${field} is ${value.length} characters long (at most ${max})`;
    if (CONTROL.test(value)) return `${field} contains control characters`;
  }
  return undefined;
}
