/**
 * Composition root of ipamd: builds the real adapters from the configuration (AWS SDK v3 EC2 and IMDS clients,
 * iproute2/iptables in the node's namespace, the checkpoint file, pino, a prom-client registry), starts the gRPC
 * server first (so the plugin gets "not ready" rather than "not running" while the node initialises), then the
 * introspection and metrics servers, then node initialisation and the pool loop. Stops cleanly on the signal.
 *
 * @example
 * const code = await runIpamd(loadConfigFromProcess(), { signal: controller.signal });
 */
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { pacedBudget } from '../cloud/ec2/budget.js';
import { createEc2Api, type Ec2ApiOptions } from '../cloud/ec2/client.js';
import { createImds } from '../cloud/imds/client.js';
import type { LoadedConfig } from '../config/index.js';
import { invalidConfig } from '../config/errors.js';
import { NetlinkExecutor } from '../netlink/exec.js';
import { NetlinkHostNetwork } from '../netlink/host-network.js';
import { systemClock } from '../obs/clock.js';
import { closeLogger, createLogger } from '../obs/logger.js';
import { HEALTH_SERVICE_NAME } from '../rpc/proto.js';
import { startRpcServer } from '../rpc/server.js';
import { productUserAgent, RPC_CLIENT_VERSION, VERSION } from '../version.js';
import { FileCheckpointStore } from './checkpoint/file.js';
import { startIntrospectionServer } from './introspect/server.js';
import { IpamdError } from './errors.js';
import { Ipamd } from './ipamd.js';
import { createIpamdMetrics, startMetricsServer } from './metrics/metrics.js';
import { openCustomNetworkingFor } from './custom-networking.js';
import { networkPolicyConfigServer } from './np-config.js';
import { PACED_ACCOUNT_SHARE, pacedTimings, type IpamdTimings } from './timings.js';
import { systemTimers } from '../obs/timers.js';
import { messageOf } from '../errors.js';

export interface IpamdProgramOptions {
  /** Aborting stops ipamd (SIGINT/SIGTERM in the CLI). */
  readonly signal: AbortSignal;
  /** Called once the node is initialised and every server listens. */
  readonly onReady?: (info: IpamdReadyInfo) => void;
  /** Overrides of the reference's timings (tests and tools run ipamd in-process with short ones); none by default. */
  readonly timings?: Partial<IpamdTimings>;
  /** Overrides of the EC2 retry policy (10 attempts, 100/500 ms base, 20 s cap by default). */
  readonly ec2Retry?: Ec2ApiOptions['retry'];
}

export interface IpamdReadyInfo {
  readonly socket: string;
  readonly introspection: string | undefined;
  readonly metrics: string | undefined;
  readonly instanceId: string;
}

interface Closable {
  close(): Promise<void>;
}

/** True when a server accepts connections on the unix socket at `path` (a live ipamd), false for none or a stale file. */
function socketServing(path: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    const done = (alive: boolean): void => {
      probe.destroy();
      resolve(alive);
    };
    probe.setTimeout(timeoutMs, () => done(false));
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/** Runs ipamd until the signal aborts; resolves to the process exit code (0 stopped, 1 failed to start). */
export async function runIpamd(loaded: LoadedConfig, options: IpamdProgramOptions): Promise<number> {
  const { config } = loaded;
  const logger = createLogger({
    level: config.logging.ipamdLevel,
    destination: config.logging.ipamdLog,
    rotation: config.logging.rotation,
    name: 'ipamd',
  });
  for (const warning of loaded.warnings) logger.warn({}, `config: ${warning}`);
  const registry = new Registry();
  const clock = systemClock;
  const metrics = createIpamdMetrics(registry, { version: VERSION });
  const observe = (record: Parameters<typeof metrics.awsCall>[0]): void => metrics.awsCall(record);

  const imds = createImds({
    ...(config.endpoints.imds === undefined ? {} : { endpoint: config.endpoints.imds }),
    clock,
    observe,
  });
  const closables: Closable[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closables.reverse())
      await c.close().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    // The RPC server replaces the socket file it finds. A second ipamd for the node (started by hand, or an old pod
    // still running) must not take the socket from the one serving, nor, failing on a busy port later, delete it.
    if (await socketServing(config.paths.ipamdSocket)) {
      throw new IpamdError(
        'IPAMD_INIT_FAILED',
        `another ipamd is serving ${config.paths.ipamdSocket}: stop it first (only one ipamd may run per node)`,
        { socket: config.paths.ipamdSocket },
      );
    }
    const region = config.endpoints.region ?? (await imds.identity()).region;
    const late: { ipamd?: Ipamd } = {};
    // VPC_CNI_EC2_PACING_NODES: this node's share of the account's EC2 buckets when a whole fleet may call at once.
    const pacedShare =
      config.endpoints.ec2PacingNodes === undefined ? undefined : PACED_ACCOUNT_SHARE / config.endpoints.ec2PacingNodes;
    const timings = pacedShare === undefined ? options.timings : { ...pacedTimings(pacedShare), ...options.timings };
    const ec2 = createEc2Api({
      ...(config.endpoints.ec2 === undefined ? {} : { endpoint: config.endpoints.ec2 }),
      region,
      clock,
      observe,
      // ipamd exists only after the adapter; until then a retry has no pod to explain.
      onRetry: ({ api, at, error }) =>
        late.ipamd?.noteEc2Retry({
          at,
          action: api,
          code: error.code,
          message: error.message,
          ...(error.details.awsCode === undefined ? {} : { awsCode: error.details.awsCode }),
        }),
      httpTimeoutMs: config.endpoints.httpTimeoutMs,
      ...(pacedShare === undefined ? {} : { budget: pacedBudget(pacedShare, Math.random) }),
      userAgent: productUserAgent(config.node.cniVersion),
      ...(options.ec2Retry === undefined ? {} : { retry: options.ec2Retry }),
    });
    closables.push({ close: () => Promise.resolve(ec2.destroy()) });
    // With a node namespace the executor is confined: nothing can reach the namespace ipamd itself runs in.
    const executor = new NetlinkExecutor({ confined: config.paths.hostNetns !== undefined });
    const host = new NetlinkHostNetwork({ executor, netns: config.paths.hostNetns });
    const customNetworking = config.customNetworking.enabled
      ? await openCustomNetworkingFor(loaded, { imds, ec2, logger })
      : undefined;
    if (customNetworking !== undefined) closables.push(customNetworking);
    const maxPods = config.node.maxPods ?? customNetworking?.capacityPods;
    const ipamd = new Ipamd({
      config,
      ec2,
      imds,
      host,
      checkpoint: new FileCheckpointStore(config.paths.backingStore),
      metrics,
      clock,
      timers: systemTimers,
      logger,
      ...(maxPods === undefined ? {} : { maxPods }),
      ...(customNetworking === undefined ? {} : { eniConfigSource: customNetworking.eniConfigSource }),
      ...(timings === undefined ? {} : { timings }),
    });
    late.ipamd = ipamd;

    const rpc = await startRpcServer({
      socketPath: config.paths.ipamdSocket,
      backend: ipamd.backend,
      version: RPC_CLIENT_VERSION,
      initialHealth: 'NOT_SERVING',
      configServer: networkPolicyConfigServer(config, () => ipamd.context()?.node),
    });
    closables.push(rpc);
    let introspection: string | undefined;
    if (config.servers.introspection) {
      const server = await startIntrospectionServer({
        bind: config.servers.introspectionBindAddress,
        source: {
          snapshots: () => ipamd.snapshots(),
          eniConfigName: () => customNetworking?.eniConfigSource.currentName(),
          config,
          pool: () => ipamd.pool(),
          identity: () => ipamd.context()?.node.identity,
          subnets: () => ipamd.subnets(),
          readiness: () => ipamd.readiness(),
        },
        log: logger,
      });
      closables.push(server);
      introspection = server.url;
    }
    let metricsUrl: string | undefined;
    if (config.servers.metrics) {
      const bind = config.servers.metricsBindAddress;
      if (bind.kind !== 'tcp')
        throw invalidConfig([
          `VPC_CNI_METRICS_BIND_ADDRESS='${bind.path}': expected host:port (metrics are not served on unix sockets)`,
        ]);
      const server = await startMetricsServer({ bind: { host: bind.host, port: bind.port }, registry, log: logger });
      closables.push(server);
      metricsUrl = server.url;
    }
    closables.push({ close: () => ipamd.stop() });

    if (options.signal.aborted) return 0;
    await ipamd.start();
    for (const service of ['', HEALTH_SERVICE_NAME]) rpc.setServingStatus(service, 'SERVING');
    const instanceId = ipamd.context()?.node.identity.instanceId ?? '';
    logger.info({ socket: rpc.socketPath, introspection, metrics: metricsUrl, instanceId }, 'ipamd is ready');
    options.onReady?.({ socket: rpc.socketPath, introspection, metrics: metricsUrl, instanceId });
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info({}, 'ipamd is stopping');
    for (const service of ['', HEALTH_SERVICE_NAME]) rpc.setServingStatus(service, 'NOT_SERVING');
    return 0;
  } catch (error) {
    logger.error({ err: error }, `ipamd failed to start: ${messageOf(error)}`);
    return 1;
  } finally {
    await closeAll();
    await closeLogger(logger);
  }
}
