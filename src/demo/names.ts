/**
 * Names for the demo's pods, as Kubernetes would give them: the seed's `2048-game/2048-deployment-<pod-template-hash>-
 * <5 random>` (a Deployment's ReplicaSet) alternating with `default/web-<n>` (a StatefulSet), plus the sandbox ids a
 * container runtime would use (64 hex characters, a pod UID).
 *
 * Random parts use apimachinery's "safe" alphabet (no vowels, no 0/1/3: no words, no look-alikes).
 *
 * @example
 * const namer = new PodNamer();
 * namer.next(); // { namespace: '2048-game', name: '2048-deployment-7c9d4b8f6d-x2kqp' }
 * namer.next(); // { namespace: 'default', name: 'web-0' }
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** apimachinery's `rand.String` alphabet. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export interface PodName {
  readonly namespace: string;
  readonly name: string;
}

/** Random integers in [0, n); injectable so tests get fixed names. */
export type RandomInt = (n: number) => number;

/** `n` characters of the safe alphabet. */
export function safeString(length: number, random: RandomInt = randomInt): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[random(SAFE_ALPHABET.length)] ?? 'x';
  return out;
}

/**
 * A pod-template-hash as the Deployment controller prints one: a 32-bit hash in decimal, each character's byte
 * mapped through the safe alphabet (`SafeEncodeString`), so only `456789bcdf` appear (the seed's `dd74cc68d`).
 */
export function podTemplateHash(random: RandomInt = randomInt): string {
  const value = String(random(2 ** 32));
  return [...value].map((digit) => SAFE_ALPHABET[digit.charCodeAt(0) % SAFE_ALPHABET.length] ?? 'x').join('');
}

/** Hands out pod names in creation order: Deployment replicas and StatefulSet members, alternately. */
export class PodNamer {
  readonly deploymentHash: string;
  readonly #random: RandomInt;
  readonly #taken = new Set<string>();
  #created = 0;
  #web = 0;

  constructor(random: RandomInt = randomInt) {
    this.#random = random;
    this.deploymentHash = podTemplateHash(random);
  }

  next(): PodName {
    this.#created += 1;
    if (this.#created % 2 === 0) return { namespace: 'default', name: `web-${this.#web++}` };
    for (;;) {
      const name = `2048-deployment-${this.deploymentHash}-${safeString(5, this.#random)}`;
      if (!this.#taken.has(name)) {
        this.#taken.add(name);
        return { namespace: '2048-game', name };
      }
    }
  }
}

/** A sandbox (pause container) id as containerd prints it: 64 hex characters. */
export function sandboxId(): string {
  return randomBytes(32).toString('hex');
}

/** A pod UID. */
export function podUid(): string {
  return randomUUID();
}
