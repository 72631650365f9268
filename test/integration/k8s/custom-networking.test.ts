// Custom networking end to end: the embedded VPC (eksworkshop + 100.64.0.0/16 pod subnets per zone) through the real
// EC2 adapter, the Node and ENIConfigs through @kubernetes/client-node against the API stand-in (and, without a
// cluster, through the static source), and ipamd's ENIConfig source choosing, checking and answering — then EC2
// creating the ENI in the answered 100.64.x.x subnet.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEc2Api, type Ec2ApiClient } from '../../../src/cloud/ec2/client.js';
import { isEniConfigError } from '../../../src/eniconfig/errors.js';
import { openCustomNetworking, type CustomNetworking } from '../../../src/eniconfig/open.js';
import { eniConfig } from '../../../src/eniconfig/types.js';
import { startK8sStandin, type K8sStandin } from '../../support/k8s-standin/standin.js';
import { systemClock } from '../../../src/obs/clock.js';
import { silenceSdkNodeVersionWarning } from '../../../src/obs/warnings.js';
import {
  startSim,
  createSecurityGroup,
  createSubnet,
  associateVpcCidrBlock,
  configureVpcSettings,
  type RunningSim,
} from '../../../src/sim/index.js';

const ZONE = 'topology.kubernetes.io/zone';
const ANNOTATION = 'k8s.amazonaws.com/eniConfig';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('custom networking against the embedded VPC and the Kubernetes stand-in', () => {
  let sim: RunningSim;
  let ec2: Ec2ApiClient;
  let standin: K8sStandin;
  let cn: CustomNetworking;
  let dir = '';
  const podSubnets = new Map<string, string>();
  let podGroup = '';
  let node = { name: '', az: '', vpcId: '', groups: [] as string[] };

  before(async () => {
    silenceSdkNodeVersionWarning();
    sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock });
    const instance = [...sim.store.instances.values()].find((i) => i.privateIpAddress === '10.11.16.31');
    assert.ok(instance);
    node = {
      name: sim.describe().instances[instance.id]?.nodeName ?? '',
      az: instance.availabilityZone,
      vpcId: instance.vpcId,
      groups: [...instance.groups],
    };
    configureVpcSettings(sim.store, { cidrAssociationDelayMs: 0 });
    associateVpcCidrBlock(sim.store, node.vpcId, '100.64.0.0/16');
    sim.store.availabilityZones.forEach((zone, i) => {
      podSubnets.set(
        zone.name,
        createSubnet(sim.store, { vpcId: node.vpcId, cidr: `100.64.${i * 32}.0/19`, availabilityZone: zone.name }).id,
      );
    });
    podGroup = createSecurityGroup(sim.store, { vpcId: node.vpcId, name: 'pods', description: 'pod ENIs' }).id;
    ec2 = createEc2Api({
      endpoint: sim.ec2Url,
      region: sim.describe().region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      clock: systemClock,
    });
    standin = await startK8sStandin({
      nodes: [{ name: node.name, labels: { [ZONE]: node.az }, annotations: {}, capacityPods: 20 }],
      eniConfigs: [...podSubnets].map(([zone, subnet]) => eniConfig(zone, { subnet, securityGroups: [podGroup] })),
    });
    cn = await openCustomNetworking({
      nodeSource: {
        kind: 'kubernetes',
        target: { kind: 'kubeconfig-text', text: standin.kubeconfig() },
        nodeName: node.name,
        backoff: { initialMs: 20, maxMs: 100 },
      },
      ec2,
      node: { az: node.az, vpcId: node.vpcId, primaryEniSecurityGroups: node.groups },
      keys: { labelKey: ZONE },
      cacheMs: 0,
    });
    dir = await mkdtemp(join(tmpdir(), 'vpc-cni-cn-'));
  });
  after(async () => {
    await cn.close();
    await standin.close();
    ec2.destroy();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('chooses the ENIConfig named after the zone; EC2 creates the ENI in its 100.64 subnet', async () => {
    assert.equal(cn.source.kind, 'kubernetes');
    assert.equal(cn.capacityPods, 20);
    assert.equal(cn.eniConfigSource.currentName(), node.az);
    const answer = await cn.eniConfigSource();
    assert.deepEqual(answer, { subnet: podSubnets.get(node.az), securityGroups: [podGroup] });
    const eni = await ec2.createNetworkInterface({
      subnetId: answer.subnet,
      groups: answer.securityGroups,
      description: 'aws-K8S-test',
      tags: {},
      secondaryIpCount: 2,
    });
    assert.match(eni.privateIp, /^100\.64\.([0-9]|[12][0-9]|3[01])\.\d+$/);
    assert.deepEqual(eni.groups, [podGroup]);
    // The optional Ec2Api.describeSecurityGroups the check uses: unknown ids are simply absent.
    assert.deepEqual(
      await ec2.describeSecurityGroups([{ name: 'group-id', values: [podGroup, 'sg-00000000000000009'] }]),
      [{ id: podGroup, vpcId: node.vpcId, name: 'pods' }],
    );
  });

  it('an annotation naming an ENIConfig of another zone is refused with both zones and posted on the Node', async () => {
    const other = sim.store.availabilityZones.map((z) => z.name).find((z) => z !== node.az) ?? '';
    standin.state.patchNode(node.name, { metadata: { annotations: { [ANNOTATION]: other } } });
    await until('the annotation', () => cn.eniConfigSource.currentName() === other);
    await assert.rejects(
      cn.eniConfigSource(),
      (e: unknown) =>
        isEniConfigError(e, 'ENICONFIG_SUBNET_WRONG_AZ') &&
        e.message.includes(`is in ${other} but this node is in ${node.az}`),
    );
    await until('the event', () => standin.state.events('default').some((e) => e['reason'] === 'EniConfigInvalid'));
    const event = standin.state.events('default').find((e) => e['reason'] === 'EniConfigInvalid');
    assert.match(
      String(event?.['message']),
      new RegExp(`^ENIConfig '${other}': subnet subnet-\\w+ is in ${other} but this node is in ${node.az}`),
    );
  });

  it('unknown security groups and subnets are named (checked through EC2)', async () => {
    standin.state.putEniConfig(
      eniConfig('bad-groups', {
        subnet: podSubnets.get(node.az) ?? '',
        securityGroups: [podGroup, 'sg-00000000000000009'],
      }),
    );
    standin.state.putEniConfig(eniConfig('bad-subnet', { subnet: 'subnet-0000000000000dead' }));
    standin.state.patchNode(node.name, { metadata: { annotations: { [ANNOTATION]: 'bad-groups' } } });
    await until(
      'bad-groups',
      async () =>
        cn.eniConfigSource.currentName() === 'bad-groups' && (await cn.source.eniConfig('bad-groups')) !== undefined,
    );
    await assert.rejects(
      cn.eniConfigSource(),
      (e: unknown) =>
        isEniConfigError(e, 'ENICONFIG_SECURITY_GROUP_NOT_FOUND') &&
        /security group sg-00000000000000009 does not exist/.test(e.message),
    );
    standin.state.patchNode(node.name, { metadata: { annotations: { [ANNOTATION]: 'bad-subnet' } } });
    await until(
      'bad-subnet',
      async () =>
        cn.eniConfigSource.currentName() === 'bad-subnet' && (await cn.source.eniConfig('bad-subnet')) !== undefined,
    );
    await assert.rejects(cn.eniConfigSource(), (e: unknown) => isEniConfigError(e, 'ENICONFIG_SUBNET_NOT_FOUND'));
    standin.state.patchNode(node.name, { metadata: { annotations: { [ANNOTATION]: null } } });
    await until('back to the zone label', () => cn.eniConfigSource.currentName() === node.az);
    assert.equal((await cn.eniConfigSource()).subnet, podSubnets.get(node.az));
  });

  it("without a cluster: the seed's duplicate-name files are refused by name, then fixed files are picked up", async () => {
    const eniDir = join(dir, 'eniconfigs');
    await mkdir(eniDir);
    const seedSubnets = [...podSubnets.values()];
    for (const [i, subnet] of seedSubnets.entries()) {
      const text = `apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata:\n name: group1-pod-netconfig\nspec:\n subnet: ${subnet}\n securityGroups:\n - ${podGroup}\n`;
      await writeFile(join(eniDir, `group${i + 1}-pod-netconfig.yaml`), text);
    }
    const nodeFile = join(dir, 'nodes.yaml');
    await writeFile(
      nodeFile,
      `nodes:\n  - name: ${node.name}\n    annotations: { ${ANNOTATION}: group1-pod-netconfig }\n    capacityPods: 20\n`,
    );
    const offline = await openCustomNetworking({
      nodeSource: { kind: 'static', nodeName: node.name, nodeFile, eniConfigDir: eniDir, pollMs: 20 },
      ec2,
      node: { az: node.az, vpcId: node.vpcId, primaryEniSecurityGroups: node.groups },
      keys: {},
    });
    try {
      assert.equal(offline.capacityPods, 20);
      await assert.rejects(
        offline.eniConfigSource(),
        (e: unknown) =>
          isEniConfigError(e, 'ENICONFIG_DUPLICATE_NAME') &&
          /group1-pod-netconfig.*3 times.*group2-pod-netconfig\.yaml.*group3-pod-netconfig\.yaml/.test(e.message),
      );
      for (const [i] of seedSubnets.entries()) {
        const file = join(eniDir, `group${i + 1}-pod-netconfig.yaml`);
        await writeFile(
          file,
          (await readFile(file, 'utf8')).replace('group1-pod-netconfig', `group${i + 1}-pod-netconfig`),
        );
      }
      await until(
        'the fixed files',
        async () => (await offline.source.eniConfig('group1-pod-netconfig').catch(() => undefined)) !== undefined,
      );
      assert.deepEqual(await offline.eniConfigSource(), { subnet: seedSubnets[0], securityGroups: [podGroup] });
    } finally {
      await offline.close();
    }
  });
});
