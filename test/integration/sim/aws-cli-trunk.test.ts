// The AWS CLI v2 drives trunk and branch ENIs on the embedded VPC as the resource controller's calls do
// [sgp §4.2; sgp §4.6; sgp §4.8]: create a trunk and attach it, create a branch, associate it under a VLAN id,
// describe the associations (with --page-size, so the CLI pages), refuse a VLAN id in use, disassociate. Always
// --endpoint-url.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/obs/clock.js';
import { startSim, type RunningSim } from '../../../src/sim/index.js';

const AWS_BIN = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : undefined;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function aws(endpoint: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      AWS_BIN ?? 'aws',
      ['ec2', ...args, '--endpoint-url', endpoint, '--output', 'json'],
      {
        timeout: 60_000,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: process.env['HOME'] ?? '/root',
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_REGION: 'ap-northeast-2',
          AWS_DEFAULT_REGION: 'ap-northeast-2',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
        },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a command that must succeed and parses its JSON output. */
async function awsJson<T>(endpoint: string, args: readonly string[]): Promise<T> {
  const result = await aws(endpoint, args);
  assert.equal(result.code, 0, `aws ec2 ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

interface Eni {
  NetworkInterface: { NetworkInterfaceId: string; InterfaceType: string; Status: string };
}
interface Association {
  AssociationId: string;
  BranchInterfaceId: string;
  TrunkInterfaceId: string;
  InterfaceProtocol: string;
  VlanId: number;
}

describe(
  'trunk and branch ENIs through the AWS CLI',
  { skip: AWS_BIN === undefined ? 'needs /usr/bin/aws' : false },
  () => {
    let sim: RunningSim;
    before(async () => {
      sim = await startSim({ scenario: 'eksworkshop', host: '127.0.0.1', port: 0, clock: systemClock });
    });
    after(async () => {
      await sim.close();
    });

    it('creates, attaches, associates, describes and disassociates; a VLAN id in use is refused as EC2 refuses it', async () => {
      const url = sim.ec2Url;
      const [instance] = [...sim.store.instances.values()];
      assert.ok(instance !== undefined && instance.instanceType === 'm5.large');
      const subnet = instance.subnetId;

      const trunk = await awsJson<Eni>(url, [
        'create-network-interface',
        '--subnet-id',
        subnet,
        '--interface-type',
        'trunk',
        '--description',
        'aws-k8s-trunk-eni',
      ]);
      assert.equal(trunk.NetworkInterface.InterfaceType, 'trunk');
      const trunkId = trunk.NetworkInterface.NetworkInterfaceId;
      const attached = await awsJson<{ AttachmentId: string }>(url, [
        'attach-network-interface',
        '--network-interface-id',
        trunkId,
        '--instance-id',
        instance.id,
        '--device-index',
        '2',
      ]);
      assert.match(attached.AttachmentId, /^eni-attach-/);

      const branch = await awsJson<Eni>(url, [
        'create-network-interface',
        '--subnet-id',
        subnet,
        '--interface-type',
        'branch',
      ]);
      assert.equal(branch.NetworkInterface.InterfaceType, 'branch');
      const branchId = branch.NetworkInterface.NetworkInterfaceId;
      const associated = await awsJson<{ InterfaceAssociation: Association; ClientToken: string }>(url, [
        'associate-trunk-interface',
        '--trunk-interface-id',
        trunkId,
        '--branch-interface-id',
        branchId,
        '--vlan-id',
        '1',
      ]);
      const association = associated.InterfaceAssociation;
      assert.match(association.AssociationId, /^trunk-assoc-[0-9a-f]{17}$/);
      assert.deepEqual(
        [
          association.TrunkInterfaceId,
          association.BranchInterfaceId,
          association.InterfaceProtocol,
          association.VlanId,
        ],
        [trunkId, branchId, 'VLAN', 1],
      );

      const second = await awsJson<Eni>(url, ['create-network-interface', '--subnet-id', subnet]);
      const secondId = second.NetworkInterface.NetworkInterfaceId;
      const refused = await aws(url, [
        'associate-trunk-interface',
        '--trunk-interface-id',
        trunkId,
        '--branch-interface-id',
        secondId,
        '--vlan-id',
        '1',
      ]);
      assert.equal(refused.code, 254, refused.stderr);
      assert.match(
        refused.stderr,
        /An error occurred \(InvalidParameterValue\) when calling the AssociateTrunkInterface operation( \(reached max retries: 0\))?: VLAN ID 1 is already in use on trunk interface 'eni-/,
      );
      await awsJson(url, [
        'associate-trunk-interface',
        '--trunk-interface-id',
        trunkId,
        '--branch-interface-id',
        secondId,
        '--vlan-id',
        '2',
      ]);

      const listed = await awsJson<{ InterfaceAssociations: Association[] }>(url, [
        'describe-trunk-interface-associations',
        '--filters',
        `Name=trunk-interface-association.trunk-interface-id,Values=${trunkId}`,
        '--page-size',
        '5',
      ]);
      assert.deepEqual(
        listed.InterfaceAssociations.map((a) => [a.BranchInterfaceId, a.VlanId]),
        [
          [branchId, 1],
          [secondId, 2],
        ],
      );
      assert.deepEqual(
        sim.describe().instances[instance.id]?.trunk?.branches.map((b) => [b.branchInterfaceId, b.vlanId]),
        [
          [branchId, 1],
          [secondId, 2],
        ],
        'vpc-cni sim describes the trunk with its branches',
      );
      const branches = await awsJson<{ NetworkInterfaces: { NetworkInterfaceId: string; Status: string }[] }>(url, [
        'describe-network-interfaces',
        '--filters',
        'Name=interface-type,Values=branch',
      ]);
      assert.deepEqual(
        branches.NetworkInterfaces.map((e) => [e.NetworkInterfaceId, e.Status]),
        [
          [branchId, 'in-use'],
          [secondId, 'in-use'],
        ],
      );

      const gone = await awsJson<{ Return: boolean }>(url, [
        'disassociate-trunk-interface',
        '--association-id',
        association.AssociationId,
      ]);
      assert.equal(gone.Return, true);
      const left = await awsJson<{ InterfaceAssociations: Association[] }>(url, [
        'describe-trunk-interface-associations',
      ]);
      assert.deepEqual(
        left.InterfaceAssociations.map((a) => a.BranchInterfaceId),
        [secondId],
      );
      const again = await aws(url, ['disassociate-trunk-interface', '--association-id', association.AssociationId]);
      assert.equal(again.code, 254);
      assert.match(again.stderr, /\(InvalidAssociationID\.NotFound\)/);
    });
  },
);
