/**
 * The embedded VPC as one running thing: the EC2 Query API (with the `/_sim/` admin routes) on one loopback port,
 * one IMDS server per instance on its own port, and optionally the data plane (a node namespace per instance, a
 * VPC fabric namespace). Built from a scenario or from a saved state file; saves the state again on close.
 *
 * @example
 * const sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock });
 * sim.describe(); // { ec2: 'http://127.0.0.1:PORT', region: 'ap-northeast-2', instances: { 'i-…': { imds, netns, … } } }
 * await sim.close();
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../ipam/clock.js';
import { VpcFabric } from '../netlink/vpc-fabric.js';
import { ADMIN_PREFIX, adminHandler } from './admin.js';
import { attachDataPlane, type DataPlane, type DataPlaneOperation } from './dataplane.js';
import { EC2_HANDLERS } from './ec2/handlers/index.js';
import { ec2RequestHandler, serve, type RunningServer } from './ec2/server.js';
import { SimError } from './errors.js';
import { createGate, type SimGate } from './gate/index.js';
import { ImdsPropagation, ImdsView } from './imds/view.js';
import { startImdsServer, type ImdsTokenMode, type RunningImds } from './imds/server.js';
import { findScenario, scenarioNames } from './scenarios/index.js';
import { configureVpcSettings } from './state/ops-vpc.js';
import { loadStore, saveStore } from './state/persist.js';
import { VpcStore } from './state/store.js';
import { trunkViews, type TrunkView } from './state/ops-trunk.js';
import { privateDnsName } from './ec2/shapes.js';

export interface SimOptions {
  readonly scenario: string;
  readonly host: string;
  readonly port: number;
  readonly clock: Clock;
  /** Load from (when present) and save to this file. */
  readonly statePath?: string;
  readonly dataPlane?: boolean;
  readonly imdsTokens?: ImdsTokenMode;
  readonly imdsLagMs?: number;
  readonly throttle?: { readonly enabled: boolean; readonly scale?: number };
  readonly cidrAssociationDelayMs?: number;
  readonly seed?: string;
  /** Failures of the data plane and of background work; they never fail an EC2 call. */
  readonly onWarning?: (message: string, error?: unknown) => void;
  readonly onRequest?: (record: { action: string; status: number; code?: string; ms: number }) => void;
}

export interface SimInstanceInfo {
  readonly imds: string;
  readonly netns: string | null;
  readonly privateIp: string;
  readonly nodeName: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly state: string;
  /** The instance's trunk ENI (security groups for pods) and its branches, or null without one. */
  readonly trunk: Omit<TrunkView, 'instanceId'> | null;
}

export interface SimDescription {
  readonly ec2: string;
  readonly region: string;
  readonly scenario: string;
  readonly dataPlane: boolean;
  readonly instances: Readonly<Record<string, SimInstanceInfo>>;
}

export interface RunningSim {
  readonly store: VpcStore;
  readonly gate: SimGate;
  readonly imds: ImdsPropagation;
  readonly ec2Url: string;
  /** Resolves when the data plane has mirrored every change so far (immediately without one). */
  settled(): Promise<void>;
  describe(): SimDescription;
  save(): Promise<void>;
  close(): Promise<void>;
}

function trunkOfInstance(store: VpcStore, instanceId: string): Omit<TrunkView, 'instanceId'> | null {
  const [view] = trunkViews(store, instanceId);
  if (view === undefined) return null;
  const { instanceId: _instance, ...rest } = view;
  return rest;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

export async function startSim(options: SimOptions): Promise<RunningSim> {
  if (!LOOPBACK.test(options.host)) {
    throw new SimError(
      'SIM_NOT_LOOPBACK',
      `refusing to listen on '${options.host}': the embedded VPC binds loopback only (127.0.0.1, ::1)`,
    );
  }
  const scenario = findScenario(options.scenario);
  if (scenario === undefined) {
    throw new SimError(
      'SIM_UNKNOWN_SCENARIO',
      `unknown scenario '${options.scenario}' (known: ${scenarioNames().join(', ')})`,
    );
  }
  const warn = options.onWarning ?? (() => undefined);
  const loaded = options.statePath === undefined ? undefined : await loadStore(options.statePath, options.clock);
  const store =
    loaded ??
    new VpcStore({
      region: scenario.region,
      clock: options.clock,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  if (options.cidrAssociationDelayMs !== undefined)
    configureVpcSettings(store, { cidrAssociationDelayMs: options.cidrAssociationDelayMs });

  let dataPlane: DataPlane | undefined;
  let fabric: VpcFabric | undefined;
  if (options.dataPlane === true) {
    try {
      fabric = await VpcFabric.create();
    } catch (error) {
      throw new SimError(
        'SIM_DATA_PLANE_UNAVAILABLE',
        `cannot create the VPC fabric namespace: ${(error as Error).message}`,
        {},
        error,
      );
    }
    dataPlane = attachDataPlane(store, fabric, {
      onError: (error: unknown, op: DataPlaneOperation) =>
        warn(`data plane: ${op.kind} ${op.instanceId} ${op.eniId ?? ''} failed`, error),
    });
  }
  // A fresh store is built with the data plane listening; a loaded one is mirrored by attachDataPlane itself.
  try {
    if (loaded === undefined) scenario.build(store);
  } catch (error) {
    await dataPlane?.close();
    throw error;
  }
  // Created after the scenario or the load, so that what exists at start is visible at once, without lag.
  const imds = new ImdsPropagation(store, { lagMs: options.imdsLagMs ?? 0 });
  const gate = createGate({
    clock: options.clock,
    throttle: {
      enabled: options.throttle?.enabled ?? true,
      ...(options.throttle?.scale === undefined ? {} : { scale: options.throttle.scale }),
    },
  });
  const ec2 = ec2RequestHandler({
    store,
    handlers: EC2_HANDLERS,
    gate,
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
  });
  const admin = adminHandler({ store, gate, imds });
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    void (req.url?.startsWith(ADMIN_PREFIX) === true ? admin(req, res) : ec2(req, res));
  };

  const imdsServers = new Map<string, RunningImds>();
  const startImds = async (instanceId: string): Promise<void> => {
    if (imdsServers.has(instanceId)) return;
    const server = await startImdsServer({
      store,
      instanceId,
      view: new ImdsView(imds, instanceId),
      tokens: options.imdsTokens ?? 'optional',
      host: options.host,
      port: 0,
    });
    imdsServers.set(instanceId, server);
  };
  let http: RunningServer | undefined;
  const onLaunch = ({ instance }: { instance: { id: string } }): void => {
    startImds(instance.id).catch((error: unknown) => warn(`cannot start IMDS for ${instance.id}`, error));
  };
  try {
    for (const instance of store.instances.values()) if (instance.state !== 'terminated') await startImds(instance.id);
    store.events.on('instance-launched', onLaunch);
    http = await serve(route, { host: options.host, port: options.port });
  } catch (error) {
    store.events.off('instance-launched', onLaunch);
    await Promise.all([...imdsServers.values()].map((s) => s.close()));
    await dataPlane?.close();
    throw error;
  }
  const ec2Url = http.url;
  const httpServer = http;

  const settled = async (): Promise<void> => {
    await dataPlane?.settled();
  };
  const save = async (): Promise<void> => {
    if (options.statePath !== undefined) await saveStore(store, options.statePath);
  };
  let closing: Promise<void> | undefined;
  return {
    store,
    gate,
    imds,
    ec2Url,
    settled,
    save,
    describe: () => ({
      ec2: ec2Url,
      region: store.region,
      scenario: scenario.name,
      dataPlane: dataPlane !== undefined,
      instances: Object.fromEntries(
        [...store.instances.values()].map((instance) => [
          instance.id,
          {
            imds: imdsServers.get(instance.id)?.url ?? '',
            netns: fabric?.node(instance.id)?.name ?? null,
            privateIp: instance.privateIpAddress,
            nodeName: privateDnsName(store, instance.privateIpAddress),
            instanceType: instance.instanceType,
            availabilityZone: instance.availabilityZone,
            state: instance.state,
            trunk: trunkOfInstance(store, instance.id),
          },
        ]),
      ),
    }),
    close: () => {
      closing ??= (async () => {
        store.events.off('instance-launched', onLaunch);
        await httpServer.close();
        await Promise.all([...imdsServers.values()].map((s) => s.close()));
        imds.close();
        await save();
        await dataPlane?.close();
      })();
      return closing;
    },
  };
}
