// The AWS CLI v2 as a real client of the embedded VPC: the seed's workshop commands run verbatim (plus
// --endpoint-url) against the eksworkshop scenario, and print what the seed shows, modulo ids.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/obs/clock.js';
import { startSim, type RunningSim } from '../../../src/sim/index.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const AWS_BIN = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const HAVE_TOOLS = existsSync('/usr/bin/jq') && (AWS_BIN === '/usr/bin/aws' || existsSync('/usr/local/bin/aws'));

function runScript(endpoint: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [`${root}test/integration/sim/seed-workshop.sh`],
      {
        timeout: 240_000,
        maxBuffer: 1 << 24,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: process.env['HOME'] ?? '/root',
          EC2_ENDPOINT: endpoint,
          AWS_BIN,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_REGION: 'ap-northeast-2',
          AWS_DEFAULT_REGION: 'ap-northeast-2',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
        },
      },
      (error, stdout, stderr) =>
        error === null
          ? resolve({ stdout, stderr })
          : reject(new Error(`the seed script failed: ${error.message}\n${stderr}`, { cause: error })),
    );
  });
}

function sections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of stdout.split(/^== /m).slice(1)) {
    const newline = block.indexOf('\n');
    out.set(block.slice(0, newline), block.slice(newline + 1).trimEnd());
  }
  return out;
}

describe(
  'the seed workshop commands through the AWS CLI',
  { skip: HAVE_TOOLS ? false : 'needs /usr/bin/aws and jq' },
  () => {
    let sim: RunningSim;
    let out: Map<string, string>;
    before(async () => {
      sim = await startSim({
        scenario: 'eksworkshop',
        host: '127.0.0.1',
        port: 0,
        clock: systemClock,
        cidrAssociationDelayMs: 300,
      });
      const { stdout } = await runScript(sim.ec2Url);
      out = sections(stdout);
    });
    after(async () => {
      await sim.close();
    });

    const section = (name: string): string => {
      const text = out.get(name);
      assert.notEqual(text, undefined, `the script printed no '${name}' section`);
      return text ?? '';
    };

    it('1. finds the VPC by its Name tag', () => {
      assert.match(section('vpc-id'), /^vpc-[0-9a-f]{17}$/);
      assert.equal(section('vpc-id'), [...sim.store.vpcs.keys()][0]);
    });

    it('2. associates 100.64.0.0/16, answering associating as the seed shows', () => {
      const json = JSON.parse(section('associate')) as {
        CidrBlockAssociation: { AssociationId: string; CidrBlock: string; CidrBlockState: { State: string } };
        VpcId: string;
      };
      assert.equal(json.CidrBlockAssociation.CidrBlock, '100.64.0.0/16');
      assert.equal(json.CidrBlockAssociation.CidrBlockState.State, 'associating');
      assert.match(json.CidrBlockAssociation.AssociationId, /^vpc-cidr-assoc-[0-9a-f]{17}$/);
      assert.equal(json.VpcId, section('vpc-id'));
      assert.equal(section('cidr-state'), 'associated');
    });

    it('3. lists the zones and creates one /19 per zone, tagged', () => {
      assert.deepEqual(JSON.parse(section('azs')), ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c']);
      const ids = section('custom-subnets').split(' ');
      assert.equal(ids.length, 3);
      for (const [i, id] of ids.entries()) {
        const subnet = sim.store.subnet(id);
        assert.equal(subnet.cidr, `100.64.${i * 32}.0/19`);
        assert.equal(subnet.availabilityZone, `ap-northeast-2${'abc'.charAt(i)}`);
        assert.equal(subnet.tags.get('Name'), `eksworkshop-Secondary-PublicSubnet0${i + 1}`);
        assert.equal(subnet.tags.get('kubernetes.io/cluster/eksworkshop'), 'shared');
        assert.equal(subnet.tags.get('kubernetes.io/role/elb'), '1');
      }
    });

    it('3. describe-subnets --output text shows the SUBNETS and TAGS lines of the seed', () => {
      const lines = section('describe-subnets-text').split('\n');
      const subnet = lines.find((l) => l.startsWith('SUBNETS'))?.split('\t') ?? [];
      assert.ok(subnet.includes('ap-northeast-2a'));
      assert.ok(subnet.includes('apne2-az1'));
      assert.ok(subnet.includes('10.11.0.0/19'));
      assert.ok(subnet.includes('available'));
      assert.ok(subnet.includes('8186'), `free addresses: ${subnet.join(' ')}`);
      assert.ok(subnet.some((f) => /^arn:aws:ec2:ap-northeast-2:\d{12}:subnet\/subnet-/.test(f)));
      const tags = lines.filter((l) => l.startsWith('TAGS')).map((l) => l.split('\t').slice(1).join('='));
      for (const tag of [
        'Name=eksworkshop-PublicSubnet01',
        'kubernetes.io/cluster/eksworkshop=shared',
        'kubernetes.io/role/elb=1',
        'aws:cloudformation:logical-id=PublicSubnet01',
      ]) {
        assert.ok(tags.includes(tag), `missing TAGS ${tag} in ${tags.join(', ')}`);
      }
    });

    it('4. finds the public route table by association and associates the new subnets', () => {
      const [rtb = '', ...associations] = section('route-table').split('\n');
      assert.match(rtb, /^rtb-[0-9a-f]{17}$/);
      // associate-route-table's own output, three times.
      assert.equal(associations.join('\n').match(/"State": "associated"/g)?.length, 3);
      const associated = section('route-table-subnets').split(/\s+/);
      for (const id of section('custom-subnets').split(' ')) assert.ok(associated.includes(id));
      assert.equal(associated.length, 6);
    });

    it('6. prints the new subnets as a table', () => {
      const table = section('subnets-table');
      assert.match(table, /DescribeSubnets/);
      for (const [i, zone] of ['a', 'b', 'c'].entries()) {
        assert.match(
          table,
          new RegExp(
            `\\|\\s+100\\.64\\.${i * 32}\\.0/19\\s*\\|\\s+subnet-[0-9a-f]{17}\\s+\\|\\s+ap-northeast-2${zone}\\s+\\|`,
          ),
        );
      }
    });

    it('6. lists each node-group instance with its security groups', () => {
      const text = section('instance-sgs');
      const headers = text.match(/^SecurityGroup for EC2 instance i-[0-9a-f]{17} \.\.\.$/gm) ?? [];
      assert.equal(headers.length, 3);
      assert.equal((text.match(/^sg-[0-9a-f]{17}$/gm) ?? []).length, 6);
    });

    it('an EC2 error reaches the CLI as EC2 words it, with exit status 254', () => {
      const text = section('error');
      assert.match(
        text,
        /An error occurred \(InvalidSubnetID\.NotFound\) when calling the DescribeSubnets operation( \(reached max retries: 0\))?: The subnet ID 'subnet-00000000000000000' does not exist/,
      );
      assert.match(text, /exit=254/);
    });
  },
);
