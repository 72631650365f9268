/**
 * Interface names the reference derives from the pod (pkg/networkutils/names.go, §7.2): the host veth is
 * `<vethPrefix>` + the first 11 hex digits of SHA-1("<namespace>.<pod>") — `eni` + 11 = 14 characters, under the
 * kernel's 15 — and the result's fake `dummy` interface uses the same hash. Pods with several addresses (multi-NIC)
 * hash "<namespace>.<pod>.<index>" for index > 0 and name their extra container interfaces `mNicIf<index>`.
 */
import { createHash } from 'node:crypto';

/** The first 11 hex digits of SHA-1(`<namespace>.<podName>`). */
export function podHash(namespace: string, podName: string): string {
  return createHash('sha1').update(`${namespace}.${podName}`).digest('hex').slice(0, 11);
}

/**
 * The host-side veth of a pod's address `index`.
 *
 * @example
 * hostVethName('eni', 'default', 'web-0'); // 'eni' + 11 hex digits
 */
export function hostVethName(prefix: string, namespace: string, podName: string, index = 0): string {
  return prefix + podHash(namespace, index === 0 ? podName : `${podName}.${index}`);
}

/** The name of the result's fake interface carrying the device number (or VLAN id) for DEL without ipamd. */
export function dummyInterfaceName(namespace: string, podName: string): string {
  return `dummy${podHash(namespace, podName)}`;
}

/** The container interface of address `index`: CNI_IFNAME for the first, `mNicIf<index>` after. */
export function containerInterfaceName(ifName: string, index: number): string {
  return index === 0 ? ifName : `mNicIf${index}`;
}
