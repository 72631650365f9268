import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  CreateSubnetCommand,
  CreateTagsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import { mainRouteTable } from '../../state/ops-routes.js';
import { defaultSecurityGroup } from '../../state/ops-sg.js';
import { createSubnet } from '../../state/ops-subnet.js';
import { sdkFailure, startNetworkWorld } from './network.test-util.js';
import { suiteFixture } from '../../../suite-fixture.test-util.js';

describe('CreateTags and DescribeTags through the SDK', () => {
  const w = suiteFixture(() => startNetworkWorld());
  let subnetId: string;
  before(() => {
    subnetId = createSubnet(w.store, { vpcId: w.vpc.id, cidr: '10.0.1.0/24', availabilityZone: 'us-west-2a' }).id;
  });

  const subnetTags = async (): Promise<Record<string, string | undefined>> => {
    const { Subnets } = await w.client.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    return Object.fromEntries((Subnets?.[0]?.Tags ?? []).map((t) => [t.Key ?? '', t.Value]));
  };

  it('CreateTags tags several kinds of resource at once and overwrites', async () => {
    const rtb = mainRouteTable(w.store, w.vpc.id).id;
    const sg = defaultSecurityGroup(w.store, w.vpc.id).id;
    await w.client.send(
      new CreateTagsCommand({
        Resources: [subnetId, rtb, sg],
        Tags: [{ Key: 'cluster', Value: 'c1' }, { Key: 'empty' }],
      }),
    );
    await w.client.send(new CreateTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'cluster', Value: 'c2' }] }));
    assert.deepEqual(await subnetTags(), { cluster: 'c2', empty: '' });
    assert.equal(w.store.routeTable(rtb).tags.get('cluster'), 'c1');
    assert.equal(w.store.securityGroup(sg).tags.get('empty'), '');
  });

  it('DescribeTags lists tags with resource ids and types, filtered', async () => {
    const rows = async (Filters: Filter[]): Promise<string[]> =>
      ((await w.client.send(new DescribeTagsCommand({ Filters }))).Tags ?? []).map(
        (t) => `${t.ResourceType}:${t.ResourceId}:${t.Key}=${t.Value}`,
      );
    const rtb = mainRouteTable(w.store, w.vpc.id).id;
    const sg = defaultSecurityGroup(w.store, w.vpc.id).id;
    assert.deepEqual(await rows([{ Name: 'key', Values: ['cluster'] }]), [
      `subnet:${subnetId}:cluster=c2`,
      `route-table:${rtb}:cluster=c1`,
      `security-group:${sg}:cluster=c1`,
    ]);
    assert.deepEqual(await rows([{ Name: 'resource-type', Values: ['vpc'] }]), [`vpc:${w.vpc.id}:Name=eks-vpc`]);
    assert.deepEqual(
      await rows([
        { Name: 'resource-id', Values: [subnetId] },
        { Name: 'value', Values: ['c?'] },
      ]),
      [`subnet:${subnetId}:cluster=c2`],
    );
    assert.deepEqual(await rows([{ Name: 'tag:cluster', Values: ['c2'] }]), [
      `subnet:${subnetId}:cluster=c2`,
      `subnet:${subnetId}:empty=`,
    ]);
    const failure = await sdkFailure(
      w.client.send(new DescribeTagsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })),
    );
    assert.equal(failure.name, 'InvalidParameterValue');
  });

  it('hostile values round-trip exactly (XML metacharacters, whitespace, unicode, entity-looking text)', async () => {
    const values = [
      '<a & b> "q" \'s\'',
      ']]>',
      '<![CDATA[x]]>',
      '&amp; &#x41; &lt;',
      '  leading and trailing  ',
      'line1\nline2',
      'crlf\r\nlone cr\r',
      'tab\there',
      '😀 ünïcödé 日本語 \u2028 \u0085',
      '007',
      'true',
      'x'.repeat(256),
    ];
    const tags = values.map((Value, i) => ({ Key: `hostile-${i}<&>`, Value }));
    await w.client.send(new CreateTagsCommand({ Resources: [subnetId], Tags: tags }));
    const got = await subnetTags();
    for (const { Key, Value } of tags) assert.equal(got[Key], Value, Key);
    const described = await w.client.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['hostile-*'] }] }),
    );
    assert.deepEqual(
      described.Tags?.map((t) => t.Value),
      values,
    );
  });

  /** Each bad request must fail cleanly (400, EC2 code) and change nothing. */
  const refusals: [string, () => Promise<unknown>, string, RegExp][] = [
    [
      'a 10k-character value',
      () =>
        w.client.send(
          new CreateTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'big', Value: 'v'.repeat(10_000) }] }),
        ),
      'InvalidParameterValue',
      /maximum length of 256/,
    ],
    [
      'a 10k-character key',
      () =>
        w.client.send(new CreateTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'k'.repeat(10_000), Value: '' }] })),
      'InvalidParameterValue',
      /maximum length of 127/,
    ],
    [
      'an aws: key',
      () => w.client.send(new CreateTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'aws:foo', Value: '' }] })),
      'InvalidParameterValue',
      /reserved for internal use/,
    ],
    [
      'a control character',
      () => w.client.send(new CreateTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'ctl', Value: 'a\u0001b' }] })),
      'InvalidParameterValue',
      /control characters/,
    ],
    [
      'a malformed id',
      () => w.client.send(new CreateTagsCommand({ Resources: ['subnet-nothex'], Tags: [{ Key: 'a', Value: 'b' }] })),
      'InvalidID',
      /^The ID 'subnet-nothex' is not valid$/,
    ],
    [
      'an unknown VPC among known resources',
      () =>
        w.client.send(
          new CreateTagsCommand({ Resources: [subnetId, 'vpc-0000000000000000f'], Tags: [{ Key: 'a', Value: 'b' }] }),
        ),
      'InvalidVpcID.NotFound',
      /^The vpc ID 'vpc-0000000000000000f' does not exist$/,
    ],
    [
      'no resources',
      () => w.client.send(new CreateTagsCommand({ Resources: [], Tags: [{ Key: 'a', Value: 'b' }] })),
      'MissingParameter',
      /ResourceId/,
    ],
    [
      'too many tags',
      () =>
        w.client.send(
          new CreateTagsCommand({
            Resources: [subnetId],
            Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `n${i}`, Value: '' })),
          }),
        ),
      'TagLimitExceeded',
      /maximum number of Tags/,
    ],
    [
      'a subnet created with a bad tag',
      () =>
        w.client.send(
          new CreateSubnetCommand({
            VpcId: w.vpc.id,
            CidrBlock: '10.0.9.0/24',
            TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'aws:x', Value: '' }] }],
          }),
        ),
      'InvalidParameterValue',
      /reserved/,
    ],
  ];
  for (const [title, call, code, message] of refusals) {
    it(`refuses ${title} with ${code}`, async () => {
      const before = JSON.stringify([...w.store.subnets.keys(), ...w.store.subnet(subnetId).tags]);
      const failure = await sdkFailure(call());
      assert.equal(failure.name, code);
      assert.match(failure.message, message);
      assert.equal(failure.status, 400);
      assert.equal(JSON.stringify([...w.store.subnets.keys(), ...w.store.subnet(subnetId).tags]), before);
    });
  }
});
