/**
 * Refusals the Kubernetes API STAND-IN (standin.ts) answers instead of serving a request, for tests of how vpc-cni
 * copes: a 403 as RBAC words it (`forbid`), a 409 conflict, any other Status, or no answer at all (the client's
 * timeout fires). The first fault whose method and path match wins; one with `times` is used up after that many.
 *
 * @example
 * const allow = standin.state.faults.forbid('patch', 'pods'); // 403 until allow()
 * standin.state.faults.add({ method: 'PATCH', path: /\/pods\/web-1$/, status: 409, reason: 'Conflict', times: 2 });
 * standin.state.faults.add({ method: 'GET', path: /^\/version$/, hang: true, times: 1 });
 */

/**
 * A refusal to inject: requests whose method and path match get `status`/`reason` (a Kubernetes Status), or no
 * answer at all (`hang`), `times` times (default: always).
 */
export interface StandinFault {
  readonly method?: string;
  readonly path: RegExp;
  readonly status?: number;
  readonly reason?: string;
  /** The Status message, or one made from the path's named groups (`name`, `namespace`). */
  readonly message?: string | ((groups: Readonly<Record<string, string | undefined>>) => string);
  readonly hang?: boolean;
  readonly times?: number;
}

/** See the module comment. */
export class StandinFaults {
  readonly #faults: { fault: StandinFault; left: number }[] = [];

  /** Adds a fault; the returned function removes it (if it is not used up already). */
  add(fault: StandinFault): () => void {
    const entry = { fault, left: fault.times ?? Number.POSITIVE_INFINITY };
    this.#faults.push(entry);
    return () => {
      const at = this.#faults.indexOf(entry);
      if (at >= 0) this.#faults.splice(at, 1);
    };
  }

  /** Refuses `verb` on `resource` as RBAC would (403 Forbidden, the API server's wording) until the call is undone. */
  forbid(verb: 'get' | 'patch' | 'create', resource: string): () => void {
    return this.add({
      method: { get: 'GET', patch: 'PATCH', create: 'POST' }[verb],
      path: new RegExp(`(?:/namespaces/(?<namespace>[^/]+))?/${resource}(?:/(?<name>[^/?]+))?$`),
      status: 403,
      reason: 'Forbidden',
      message: ({ name, namespace }) =>
        `${resource}${name === undefined ? '' : ` "${name}"`} is forbidden: User "system:serviceaccount:kube-system:aws-node" ` +
        `cannot ${verb} resource "${resource}"${namespace === undefined ? '' : ` in the namespace "${namespace}"`}`,
    });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** The fault for a request, counted down (and dropped once used up); undefined to serve it. */
  match(method: string, path: string): StandinFault | undefined {
    const at = this.#faults.findIndex(
      ({ fault }) => (fault.method === undefined || fault.method === method) && fault.path.test(path),
    );
    const entry = this.#faults[at];
    if (entry === undefined) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) this.#faults.splice(at, 1);
    return entry.fault;
  }
}
