// Request rate of the embedded VPC's EC2 API, so that cluster-scale studies know their budget.
//
//   npx tsx bench/sim-ec2.ts [--runs 5] [--calls 400] [--concurrency 8]
//
// Measured through @aws-sdk/client-ec2 over loopback with throttling off (we measure the server, not EC2's budget):
//   - baseline:  DescribeSubnets against a static HTTP server that returns a canned answer (SDK + HTTP floor);
//   - describe:  DescribeSubnets with a vpc-id filter against the eksworkshop scenario;
//   - assign:    AssignPrivateIpAddresses (1 IP) + UnassignPrivateIpAddresses on a node's primary ENI, counted as 2.
// Each run alternates the three; the report gives the median requests/s of each and the ratio to the baseline.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import {
  AssignPrivateIpAddressesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { systemClock } from '../src/obs/clock.js';
import { silenceSdkNodeVersionWarning } from '../src/obs/warnings.js';
import { startSim } from '../src/sim/index.js';

silenceSdkNodeVersionWarning();

const { values } = parseArgs({
  options: { runs: { type: 'string' }, calls: { type: 'string' }, concurrency: { type: 'string' } },
});
const RUNS = Number(values.runs ?? 5);
const CALLS = Number(values.calls ?? 400);
const CONCURRENCY = Number(values.concurrency ?? 8);

const client = (endpoint: string, region: string): EC2Client =>
  new EC2Client({
    endpoint,
    region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });

async function rate(calls: number, perCall: number, op: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next += 1;
      await op();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (calls * perCall) / ((performance.now() - started) / 1000);
}

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const canned =
  '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>' +
  '<subnetSet><item><subnetId>subnet-00000000000000001</subnetId><vpcId>vpc-00000000000000001</vpcId><cidrBlock>10.11.0.0/19</cidrBlock>' +
  '<availableIpAddressCount>8186</availableIpAddressCount><availabilityZone>ap-northeast-2a</availabilityZone><tagSet/></item></subnetSet></DescribeSubnetsResponse>';
const baselineServer = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-RequestId': 'r' });
    res.end(canned);
  });
});
await new Promise<void>((resolve) => baselineServer.listen(0, '127.0.0.1', resolve));
const baseline = client(`http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}`, 'ap-northeast-2');

const sim = await startSim({
  scenario: 'eksworkshop',
  host: '127.0.0.1',
  port: 0,
  clock: systemClock,
  throttle: { enabled: false },
});
const ec2 = client(sim.ec2Url, sim.store.region);
const vpcId = [...sim.store.vpcs.keys()][0];
const eniId = [...sim.store.instances.values()][0]?.primaryEniId;
if (vpcId === undefined || eniId === undefined) throw new Error('the eksworkshop scenario has no VPC or no instance');

const results: Record<'baseline' | 'describe' | 'assign', number[]> = { baseline: [], describe: [], assign: [] };
for (let run = 0; run < RUNS; run++) {
  results.baseline.push(await rate(CALLS, 1, () => baseline.send(new DescribeSubnetsCommand({}))));
  results.describe.push(
    await rate(CALLS, 1, () =>
      ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })),
    ),
  );
  results.assign.push(
    await rate(CALLS / 2, 2, async () => {
      const out = await ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: 1 }),
      );
      const ip = out.AssignedPrivateIpAddresses?.[0]?.PrivateIpAddress;
      if (ip === undefined) throw new Error('AssignPrivateIpAddresses assigned no address');
      await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: eniId, PrivateIpAddresses: [ip] }));
    }),
  );
}
await sim.close();
baselineServer.close();

const base = median(results.baseline);
process.stdout.write(
  `embedded VPC EC2 API, ${RUNS} runs × ${CALLS} calls, ${CONCURRENCY} in flight (median requests/s; ratio to baseline)\n`,
);
for (const [name, xs] of Object.entries(results)) {
  process.stdout.write(
    `  ${name.padEnd(9)} ${median(xs).toFixed(0).padStart(6)} req/s   ratio ${(median(xs) / base).toFixed(2)}   runs: ${xs.map((x) => x.toFixed(0)).join(' ')}\n`,
  );
}
