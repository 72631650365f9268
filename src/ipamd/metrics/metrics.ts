/**
 * ipamd's Prometheus metrics: every `awscni_*` metric of the reference [behaviour §6] with its name, type and labels,
 * so dashboards and the cni-metrics-helper keep working, plus per-subnet capacity gauges the reference never had.
 * The registry is the caller's (no global default registry); {@link startMetricsServer} serves it.
 *
 * Departures, each deliberate:
 * - `awscni_build_info{goversion}` holds the Node.js version (`v20.11.1`): the label keeps its name so existing
 *   queries still match.
 * - The per-datastore gauges (`awscni_eni_allocated`, `awscni_total_ip_addresses`, ...) are summed over network
 *   cards; the reference shows whichever card changed last. Identical on single-card nodes.
 * - Per-ENI and per-CIDR series disappear with their ENI/CIDR (the reference keeps per-CIDR series forever).
 * - `awscni_aws_api_error_count` also counts transport errors (no HTTP response), labelled with the error name.
 *
 * @example
 * const registry = new Registry();
 * const metrics = createIpamdMetrics(registry, { version: '1.0.0' });
 * metrics.awsCall({ api: 'AssignPrivateIpAddresses', kind: 'ec2', ms: 120, status: 200, attempts: 1 });
 * metrics.datastore(datastore.snapshot());
 * const server = await startMetricsServer({ bind: METRICS_BIND, registry }); // GET /metrics
 */
import { createServer } from 'node:http';
import { Counter, Gauge, Histogram, Summary, collectDefaultMetrics, type Registry } from 'prom-client';
import type { PoolState } from '../../ipam/policy-types.js';
import { parseCidr, subnetUsableCount } from '../../ipam/cidr.js';
import type { DatastoreSnapshot } from '../../ipam/types.js';
import type { Logger } from '../../obs/logger.js';
import type { AwsCallRecord } from '../../cloud/calls.js';
import type { Ec2Subnet } from '../../cloud/ec2/port.js';
import type { IpamdMetrics } from './port.js';
import { applyTimeouts, closeGracefully, listen, type RunningServer } from '../introspect/http.js';

export interface IpamdMetricsOptions {
  /** vpc-cni's version, for `awscni_build_info`. */
  readonly version: string;
  /** Also register Node's process and runtime metrics (the reference serves Go's). Default true. */
  readonly defaultMetrics?: boolean;
  /** The `with_api_server` label of `awscni_ipamd_startup_duration_seconds`. Default true. */
  readonly withApiServer?: boolean;
}

/** {@link IpamdMetrics} plus the reference metrics no port reports yet, and ours. */
export interface IpamdMetricsRecorder extends IpamdMetrics {
  /** awscni_aws_utils_error_count{fn,error} */
  awsUtilsError(fn: string, error: string): void;
  /** awscni_pod_eni_error_count{fn} */
  podEniError(fn: string): void;
  /** awscni_ipamd_node_initialization_duration_seconds{success} */
  nodeInitialization(seconds: number, success: boolean): void;
  /** awscni_connmark_backend{backend}: 1 for the active backend, 0 for the other. */
  connmarkBackend(backend: 'iptables' | 'nftables'): void;
  /** awscni_connmark_reconcile_total{result} */
  connmarkReconcile(result: 'success' | 'error'): void;
  /** awscni_unrecovered_checkpoint_entries: checkpoint allocations matching no ENI at restore. */
  unrecoveredCheckpointEntries(count: number): void;
  /** Ours: awscni_pool_short_ips / awscni_pool_over_ips{network_card}, from the last pool plan. */
  poolState(networkCard: number, state: PoolState): void;
}

/** The default metrics address: loopback (the reference listens on every interface, `:61678`). */
export const METRICS_BIND = Object.freeze({ host: '127.0.0.1', port: 61678 });

interface CardTotals {
  readonly enis: number;
  readonly total: number;
  readonly assigned: number;
  readonly prefixes: number;
  readonly perEni: ReadonlyMap<string, number>;
  readonly perCidr: ReadonlyMap<string, number>;
}

function cardTotals(snapshot: DatastoreSnapshot): CardTotals {
  let total = 0;
  let assigned = 0;
  let prefixes = 0;
  const perEni = new Map<string, number>();
  const perCidr = new Map<string, number>();
  for (const eni of snapshot.enis) {
    let onEni = 0;
    for (const cidr of eni.cidrs) {
      total += cidr.size;
      assigned += cidr.assignedCount;
      onEni += cidr.assignedCount;
      if (cidr.isPrefix) prefixes += 1;
      perCidr.set(cidr.cidr, (perCidr.get(cidr.cidr) ?? 0) + cidr.assignedCount);
    }
    perEni.set(eni.id, onEni);
  }
  return { enis: snapshot.enis.length, total, assigned, prefixes, perEni, perCidr };
}

/** Sets `gauge{label=key}` for every key and removes the series of keys set last time but absent now. */
function syncSeries(
  gauge: Gauge<string>,
  label: string,
  values: ReadonlyMap<string, number>,
  shown: Set<string>,
): void {
  for (const key of shown) if (!values.has(key)) gauge.remove({ [label]: key });
  shown.clear();
  for (const [key, value] of values) {
    gauge.set({ [label]: key }, value);
    shown.add(key);
  }
}

/**
 * Registers every metric on `registry` and returns the recorder ipamd's components call.
 *
 * @example
 * const metrics = createIpamdMetrics(new Registry(), { version: '1.0.0', defaultMetrics: false });
 * metrics.subnets([{ id: 'subnet-0a', cidr: '10.0.0.0/24', availabilityZone: 'us-west-2a', availableIpAddressCount: 17, vpcId: 'vpc-1', tags: {} }]);
 * // awscni_subnet_available_ip_addresses{subnet_id="subnet-0a",cidr="10.0.0.0/24",availability_zone="us-west-2a"} 17
 */
export function createIpamdMetrics(registry: Registry, options: IpamdMetricsOptions): IpamdMetricsRecorder {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge({ name, help, labelNames, registers });

  const buildInfo = gauge('awscni_build_info', 'vpc-cni build information (goversion holds the Node.js version)', [
    'version',
    'goversion',
  ]);
  buildInfo.set({ version: options.version, goversion: process.version }, 1);
  const ipamdError = counter('awscni_ipamd_error_count', 'The number of errors encountered in ipamd', ['fn']);
  const inProgress = gauge('awscni_ipamd_action_inprogress', 'The number of ipamd actions in progress', ['fn']);
  const eniMax = gauge(
    'awscni_eni_max',
    'The maximum number of ENIs that can be attached to the instance, accounting for unmanaged ENIs',
  );
  const ipMax = gauge('awscni_ip_max', 'The maximum number of IP addresses that can be allocated to the instance');
  const reconcile = counter(
    'awscni_reconcile_count',
    'The number of times ipamd reconciles on ENIs and IP/prefix addresses',
    ['fn'],
  );
  const addIp = counter('awscni_add_ip_req_count', 'The number of add IP address requests');
  const delIp = counter('awscni_del_ip_req_count', 'The number of delete IP address requests', ['reason']);
  const podEniError = counter('awscni_pod_eni_error_count', 'The number of errors encountered for pod ENIs', ['fn']);
  // No quantiles: client_golang's summaries have none by default, so the reference exports only _sum and _count.
  const latency = new Summary({
    name: 'awscni_aws_api_latency_ms',
    help: 'AWS API call latency in ms',
    labelNames: ['api', 'error', 'status'] as const,
    percentiles: [],
    registers,
  });
  const apiError = counter('awscni_aws_api_error_count', 'The number of times AWS API returns an error', [
    'api',
    'error',
  ]);
  const utilsError = counter('awscni_aws_utils_error_count', 'The number of errors not handled in awsutils library', [
    'fn',
    'error',
  ]);
  const ec2Requests = counter('awscni_ec2api_req_count', 'The number of requests made to EC2 APIs by CNI', ['fn']);
  const ec2Errors = counter('awscni_ec2api_error_count', 'The number of failed EC2 APIs requests', ['fn']);
  const enis = gauge('awscni_eni_allocated', 'The number of ENIs allocated');
  const totalIps = gauge('awscni_total_ip_addresses', 'The total number of IP addresses');
  const assignedIps = gauge('awscni_assigned_ip_addresses', 'The number of IP addresses assigned to pods');
  const forcedEnis = counter(
    'awscni_force_removed_enis',
    'The number of ENIs force removed while they had assigned pods',
  );
  const forcedIps = counter('awscni_force_removed_ips', 'The number of IPs force removed while they had assigned pods');
  const unrecovered = counter(
    'awscni_unrecovered_checkpoint_entries',
    'The number of checkpointed pod allocations that could not be matched to the ENI pool during ipam state recovery',
  );
  const prefixes = gauge('awscni_total_ipv4_prefixes', 'The total number of IPv4 prefixes');
  const perCidr = gauge('awscni_assigned_ip_per_cidr', 'The total number of IP addresses assigned per cidr', ['cidr']);
  const noAddress = counter(
    'awscni_no_available_ip_addresses',
    'The number of pod IP assignments that fail due to no available IP addresses',
  );
  const perEni = gauge('awscni_assigned_ip_per_eni', 'The number of allocated ips partitioned by eni', ['eni']);
  const startup = new Histogram({
    name: 'awscni_ipamd_startup_duration_seconds',
    help: 'The duration of IPAMD startup from process start to ready to serve CNI requests',
    labelNames: ['success', 'with_api_server', 'failure_reason'] as const,
    registers,
  });
  const nodeInit = new Histogram({
    name: 'awscni_ipamd_node_initialization_duration_seconds',
    help: 'The duration of node initialization during IPAMD startup',
    labelNames: ['success'] as const,
    registers,
  });
  const connmarkBackend = gauge(
    'awscni_connmark_backend',
    "The connmark backend in use; the active backend's series is set to 1",
    ['backend'],
  );
  const connmarkRuns = counter(
    'awscni_connmark_reconcile_total',
    'The number of connmark Setup/Cleanup reconciliations by result',
    ['result'],
  );
  connmarkRuns.inc({ result: 'success' }, 0);
  connmarkRuns.inc({ result: 'error' }, 0);
  const subnetFree = gauge(
    'awscni_subnet_available_ip_addresses',
    'Free IPv4 addresses in each subnet ipamd uses, as EC2 reports them',
    ['subnet_id', 'cidr', 'availability_zone'],
  );
  const subnetSize = gauge(
    'awscni_subnet_ip_addresses',
    'Usable IPv4 addresses in each subnet ipamd uses (size minus the 5 AWS reserves)',
    ['subnet_id', 'cidr', 'availability_zone'],
  );
  const poolShort = gauge(
    'awscni_pool_short_ips',
    'IPs the pool lacks to reach WARM_IP_TARGET/MINIMUM_IP_TARGET (0 when no IP target is set)',
    ['network_card'],
  );
  const poolOver = gauge(
    'awscni_pool_over_ips',
    'IPs beyond WARM_IP_TARGET the pool may release (0 when no IP target is set)',
    ['network_card'],
  );
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const cards = new Map<number, CardTotals>();
  const shownEnis = new Set<string>();
  const shownCidrs = new Set<string>();
  const shownSubnets = new Map<string, Record<'subnet_id' | 'cidr' | 'availability_zone', string>>();
  const withApiServer = String(options.withApiServer ?? true);

  return {
    awsCall(record: AwsCallRecord) {
      const failed = record.error !== undefined;
      // As the reference: IMDS latency is one series (api "GetMetadata"); status is "200", EC2's error code when
      // EC2 answered with one, or "" when there was no response.
      const api = record.kind === 'imds' ? 'GetMetadata' : record.api;
      const status = !failed ? '200' : record.status === undefined ? '' : (record.error ?? '');
      latency.observe({ api, error: String(failed), status }, record.ms);
      if (record.error !== undefined) apiError.inc({ api: record.api, error: record.error });
      if (record.kind === 'ec2') {
        ec2Requests.inc({ fn: record.api });
        if (failed) ec2Errors.inc({ fn: record.api });
      }
    },
    ipamdError: (fn) => ipamdError.inc({ fn }),
    actionInProgress: (fn, delta) => inProgress.inc({ fn }, delta),
    reconcile: (fn) => reconcile.inc({ fn }),
    addRequest: () => addIp.inc(),
    delRequest: (reason) => delIp.inc({ reason }),
    noAvailableAddress: () => noAddress.inc(),
    forceRemoved({ enis: eniCount, ips }) {
      if (eniCount > 0) forcedEnis.inc(eniCount);
      if (ips > 0) forcedIps.inc(ips);
    },
    poolLimits({ maxEnis, maxIps }) {
      eniMax.set(maxEnis);
      ipMax.set(maxIps);
    },
    datastore(snapshot) {
      cards.set(snapshot.networkCard, cardTotals(snapshot));
      const all = [...cards.values()];
      const sum = (pick: (c: CardTotals) => number): number => all.reduce((acc, c) => acc + pick(c), 0);
      enis.set(sum((c) => c.enis));
      totalIps.set(sum((c) => c.total));
      assignedIps.set(sum((c) => c.assigned));
      prefixes.set(sum((c) => c.prefixes));
      syncSeries(perEni, 'eni', new Map(all.flatMap((c) => [...c.perEni])), shownEnis);
      syncSeries(perCidr, 'cidr', new Map(all.flatMap((c) => [...c.perCidr])), shownCidrs);
    },
    subnets(subnets) {
      const current = new Map(
        subnets.map((s: Ec2Subnet) => [s.id, { subnet_id: s.id, cidr: s.cidr, availability_zone: s.availabilityZone }]),
      );
      for (const [id, labels] of shownSubnets) {
        const now = current.get(id);
        if (now === undefined || now.cidr !== labels.cidr || now.availability_zone !== labels.availability_zone) {
          subnetFree.remove(labels);
          subnetSize.remove(labels);
          shownSubnets.delete(id);
        }
      }
      for (const subnet of subnets) {
        const labels = current.get(subnet.id);
        if (labels === undefined) continue;
        subnetFree.set(labels, subnet.availableIpAddressCount);
        const usable = usableAddresses(subnet.cidr);
        if (usable !== undefined) subnetSize.set(labels, usable);
        shownSubnets.set(subnet.id, labels);
      }
    },
    startup(seconds, success, failureReason) {
      startup.observe(
        { success: String(success), with_api_server: withApiServer, failure_reason: failureReason },
        seconds,
      );
    },
    awsUtilsError: (fn, error) => utilsError.inc({ fn, error }),
    podEniError: (fn) => podEniError.inc({ fn }),
    nodeInitialization: (seconds, success) => nodeInit.observe({ success: String(success) }, seconds),
    connmarkBackend(backend) {
      connmarkBackend.set({ backend }, 1);
      connmarkBackend.set({ backend: backend === 'iptables' ? 'nftables' : 'iptables' }, 0);
    },
    connmarkReconcile: (result) => connmarkRuns.inc({ result }),
    unrecoveredCheckpointEntries(count) {
      if (count > 0) unrecovered.inc(count);
    },
    poolState(networkCard, state) {
      poolShort.set({ network_card: String(networkCard) }, state.target.short);
      poolOver.set({ network_card: String(networkCard) }, state.target.over);
    },
  };
}

function usableAddresses(cidr: string): number | undefined {
  try {
    return subnetUsableCount(parseCidr(cidr));
  } catch {
    return undefined;
  }
}

export interface MetricsServerOptions {
  /** Default {@link METRICS_BIND}. */
  readonly bind?: { readonly host: string; readonly port: number };
  readonly registry: Registry;
  readonly log?: Logger;
}

/**
 * Serves `GET /metrics` (and HEAD) in the Prometheus text format until `close()`; other paths are 404, other
 * methods 405. Same 5 s timeouts and graceful close as the introspection server.
 *
 * @example
 * const server = await startMetricsServer({ bind: { host: '127.0.0.1', port: 0 }, registry });
 * await fetch(`${server.url}/metrics`);
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  const { registry, log } = options;
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split(/[?#]/, 1)[0];
    const reply = (status: number, type: string, body: string): void => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      res.end(method === 'HEAD' ? undefined : body);
    };
    if (method !== 'GET' && method !== 'HEAD')
      return reply(405, 'text/plain; charset=utf-8', 'method not allowed: use GET /metrics\n');
    if (path !== '/metrics')
      return reply(404, 'text/plain; charset=utf-8', 'not found: metrics are served at /metrics\n');
    registry.metrics().then(
      (text) => reply(200, registry.contentType, text),
      (error: unknown) => {
        log?.error({ err: error }, 'collecting metrics failed');
        reply(500, 'text/plain; charset=utf-8', 'collecting metrics failed; see the ipamd log\n');
      },
    );
  });
  applyTimeouts(server);
  const url = await listen(server, { kind: 'tcp', ...(options.bind ?? METRICS_BIND) });
  log?.info({ url: `${url}/metrics` }, 'serving metrics');
  return { url, close: (graceMs?: number) => closeGracefully(server, graceMs) };
}
