import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  associateRouteTable,
  createRouteTable,
  explicitAssociationOf,
  mainRouteTable,
  routeTableOfSubnet,
} from './ops-routes.js';
import { createSecurityGroup, defaultSecurityGroup } from './ops-sg.js';
import { createVpc } from './ops-vpc.js';
import { vpcWorld } from './vpc-world.test-util.js';

describe('route tables', () => {
  it('a new subnet uses the main table until it is associated explicitly', () => {
    const { store, vpcId, subnetId } = vpcWorld();
    const main = mainRouteTable(store, vpcId);
    assert.equal(routeTableOfSubnet(store, subnetId).id, main.id);
    assert.equal(explicitAssociationOf(store, subnetId), undefined);
    const custom = createRouteTable(store, vpcId, [{ key: 'Name', value: 'pods' }]);
    assert.equal(custom.main, false);
    assert.equal(custom.tags.get('Name'), 'pods');
    const association = associateRouteTable(store, custom.id, subnetId);
    assert.match(association.id, /^rtbassoc-[0-9a-f]{17}$/);
    assert.equal(routeTableOfSubnet(store, subnetId).id, custom.id);
    assert.equal(explicitAssociationOf(store, subnetId)?.association.id, association.id);
  });

  it('allows one explicit association per subnet (Resource.AlreadyAssociated)', () => {
    const { store, vpcId, subnetId } = vpcWorld();
    const a = createRouteTable(store, vpcId);
    const b = createRouteTable(store, vpcId);
    associateRouteTable(store, a.id, subnetId);
    for (const table of [a, b]) {
      assert.throws(() => associateRouteTable(store, table.id, subnetId), {
        code: 'Resource.AlreadyAssociated',
        message: new RegExp(
          `^the specified association for route table ${table.id} conflicts with an existing association`,
        ),
      });
    }
    assert.equal(b.associations.length, 0);
  });

  it('the main table can also be associated explicitly', () => {
    const { store, vpcId, subnetId } = vpcWorld();
    const main = mainRouteTable(store, vpcId);
    associateRouteTable(store, main.id, subnetId);
    assert.deepEqual(
      main.associations.map((a) => a.subnetId),
      [subnetId],
    );
  });

  it('refuses a table and subnet of different VPCs, and unknown ids', () => {
    const { store, subnetId } = vpcWorld();
    const other = createVpc(store, { cidr: '10.1.0.0/16' });
    const foreign = createRouteTable(store, other.id);
    assert.throws(() => associateRouteTable(store, foreign.id, subnetId), {
      code: 'InvalidParameterValue',
      message: `Route table ${foreign.id} and subnet ${subnetId} belong to different networks`,
    });
    assert.throws(() => associateRouteTable(store, 'rtb-00000000', subnetId), {
      code: 'InvalidRouteTableID.NotFound',
      message: "The routeTable ID 'rtb-00000000' does not exist",
    });
    assert.throws(() => associateRouteTable(store, foreign.id, 'subnet-00000000'), {
      code: 'InvalidSubnetID.NotFound',
      message: "The subnet ID 'subnet-00000000' does not exist",
    });
    assert.throws(() => createRouteTable(store, 'vpc-00000000'), { code: 'InvalidVpcID.NotFound' });
  });
});

describe('security groups', () => {
  it('creates groups with unique names per VPC', () => {
    const { store, vpcId } = vpcWorld();
    const sg = createSecurityGroup(store, {
      vpcId,
      name: 'pods',
      description: 'pod ENIs',
      tags: [{ key: 'a', value: 'b' }],
    });
    assert.match(sg.id, /^sg-[0-9a-f]{17}$/);
    assert.deepEqual([sg.name, sg.description, sg.vpcId, sg.tags.get('a')], ['pods', 'pod ENIs', vpcId, 'b']);
    assert.throws(() => createSecurityGroup(store, { vpcId, name: 'pods', description: '' }), {
      code: 'InvalidGroup.Duplicate',
      message: `The security group 'pods' already exists for VPC '${vpcId}'`,
    });
    const other = createVpc(store, { cidr: '10.1.0.0/16' });
    createSecurityGroup(store, { vpcId: other.id, name: 'pods', description: '' });
    assert.notEqual(defaultSecurityGroup(store, other.id).id, defaultSecurityGroup(store, vpcId).id);
  });

  it('refuses bad names and descriptions', () => {
    const { store, vpcId } = vpcWorld();
    assert.throws(() => createSecurityGroup(store, { vpcId, name: 'sg-1', description: '' }), {
      code: 'InvalidParameterValue',
      message: /sg-\*/,
    });
    assert.throws(() => createSecurityGroup(store, { vpcId, name: '', description: '' }), {
      code: 'InvalidParameterValue',
    });
    assert.throws(() => createSecurityGroup(store, { vpcId, name: 'x'.repeat(256), description: '' }), {
      code: 'InvalidParameterValue',
    });
    assert.throws(() => createSecurityGroup(store, { vpcId, name: 'x', description: 'd'.repeat(256) }), {
      code: 'InvalidParameterValue',
    });
    assert.throws(() => createSecurityGroup(store, { vpcId: 'vpc-00000000', name: 'x', description: '' }), {
      code: 'InvalidVpcID.NotFound',
    });
  });
});
