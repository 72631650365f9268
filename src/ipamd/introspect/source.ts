/** The introspection API's input (what ipamd exposes to it) and its route shape, shared by the API and the dashboard. */
import type { Ec2Subnet } from '../../cloud/ec2/port.js';
import type { Config } from '../../config/index.js';
import type { InstanceIdentity } from '../../cloud/imds/port.js';
import type { DatastoreSnapshot } from '../../ipam/types.js';
import type { PoolReport } from './pool.js';

/** What the introspection API reads. Every call happens per request; keep them cheap and side-effect free. */
export interface IntrospectionSource {
  /** A fresh snapshot of each managed network card's datastore, keyed by card index. */
  snapshots(): ReadonlyMap<number, DatastoreSnapshot>;
  /** The ENIConfig chosen for this node; `undefined` (not chosen or not known) answers 404 as the reference does. */
  eniConfigName(): string | undefined;
  readonly config: Config;
  /** The last pool tick's report; `undefined` until the first tick (answers 503). */
  pool(): PoolReport | undefined;
  /** Optional, for the dashboard (`/ui/`): the instance as node initialisation found it; `undefined` before. */
  identity?(): InstanceIdentity | undefined;
  /**
   * Optional: whether the node is initialised. Until it is, the paths that show the node's state answer 503 with
   * `{"status":"initialising","step":...,"error":...}` (the settings paths still answer); absent = always ready.
   */
  readiness?(): SourceReadiness;
  /** Optional, for the dashboard: the node's subnets as EC2 last described them (their free addresses), and when. */
  subnets?(): { readonly at: number; readonly subnets: readonly Ec2Subnet[] } | undefined;
}

/**
 * Whether ipamd can assign addresses, and if not why: the start-up step it is on (and since when, clock ms), or how
 * initialisation failed. The gRPC health service, the introspection API and refused ADDs all tell this.
 */
export type SourceReadiness =
  | { readonly ready: true }
  | {
      readonly ready: false;
      readonly phase: string;
      readonly step: string;
      readonly since: number;
      readonly reason: string;
    };

export interface RouteResponse {
  readonly status: number;
  /** Compact JSON, unless `contentType` says otherwise. */
  readonly body: string;
  /** Default `application/json`; the dashboard page is `text/html`. */
  readonly contentType?: string;
  /** Extra response headers (the dashboard's Content-Security-Policy, a redirect's Location). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type Route = () => RouteResponse;
