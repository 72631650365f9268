import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mainRouteTable } from './ops-routes.js';
import { defaultSecurityGroup } from './ops-sg.js';
import {
  createTags,
  initialTags,
  MAX_TAGS_PER_RESOURCE,
  resourceTypeOf,
  taggedResources,
  validateTags,
} from './ops-tags.js';
import { vpcWorld } from './vpc-world.test-util.js';

const manyTags = (n: number, prefix = 'k'): { key: string; value: string }[] =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: String(i) }));

describe('createTags', () => {
  it('adds and overwrites tags on several resources', () => {
    const { store, vpcId, subnetId } = vpcWorld();
    createTags(
      store,
      [vpcId, subnetId],
      [
        { key: 'Name', value: 'a' },
        { key: 'env', value: '' },
      ],
    );
    createTags(store, [subnetId], [{ key: 'Name', value: 'b' }]);
    assert.deepEqual(
      [...store.vpc(vpcId).tags],
      [
        ['Name', 'a'],
        ['env', ''],
      ],
    );
    assert.deepEqual(
      [...store.subnet(subnetId).tags],
      [
        ['Name', 'b'],
        ['env', ''],
      ],
    );
  });

  it('allows 50 tags per resource; overwrites do not count twice', () => {
    const { store, subnetId } = vpcWorld();
    createTags(store, [subnetId], manyTags(MAX_TAGS_PER_RESOURCE));
    createTags(store, [subnetId], [{ key: 'k0', value: 'again' }]);
    assert.throws(() => createTags(store, [subnetId], [{ key: 'one-more', value: '' }]), {
      code: 'TagLimitExceeded',
      message: /maximum number of Tags for a resource has been reached/,
    });
    assert.equal(store.subnet(subnetId).tags.size, MAX_TAGS_PER_RESOURCE);
  });

  it('is all or nothing across resources', () => {
    const { store, vpcId, subnetId } = vpcWorld();
    assert.throws(() => createTags(store, [vpcId, 'subnet-0123456789abcdef0', subnetId], [{ key: 'x', value: '1' }]), {
      code: 'InvalidSubnetID.NotFound',
      message: "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    });
    createTags(store, [subnetId], manyTags(MAX_TAGS_PER_RESOURCE));
    assert.throws(() => createTags(store, [vpcId, subnetId], [{ key: 'x', value: '1' }]), { code: 'TagLimitExceeded' });
    assert.equal(store.vpc(vpcId).tags.size, 0);
  });

  it('refuses malformed and non-taggable ids with InvalidID', () => {
    const { store } = vpcWorld();
    for (const id of ['foo', 'vpc-XYZ', 'vpc-123', 'rtbassoc-0123456789abcdef0', 'ami-0123456789abcdef0']) {
      assert.throws(() => createTags(store, [id], [{ key: 'a', value: 'b' }]), {
        code: 'InvalidID',
        message: `The ID '${id}' is not valid`,
      });
    }
  });
});

describe('validateTags', () => {
  const bad: [string, { key: string; value: string }, RegExp][] = [
    ['a 128-character key', { key: 'k'.repeat(128), value: '' }, /Tag key exceeds the maximum length of 127/],
    ['an empty key', { key: '', value: '' }, /cannot be empty/],
    ['an aws: key', { key: 'aws:cloudformation:stack', value: '' }, /reserved for internal use/],
    ['an AWS: key', { key: 'AWS:x', value: '' }, /reserved/],
    ['a 257-character value', { key: 'k', value: 'v'.repeat(257) }, /Tag value exceeds the maximum length of 256/],
    ['a 10k-character value', { key: 'k', value: 'v'.repeat(10_000) }, /got 10000/],
    ['a NUL', { key: 'k', value: 'a\u0000b' }, /control characters/],
    ['an unpaired surrogate', { key: 'k\uD800', value: '' }, /surrogates/],
  ];
  for (const [what, tag, message] of bad) {
    it(`refuses ${what}`, () => assert.throws(() => validateTags([tag]), { code: 'InvalidParameterValue', message }));
  }

  it('accepts the limits exactly and any XML-safe text', () => {
    validateTags([
      { key: 'k'.repeat(127), value: 'v'.repeat(256) },
      { key: 'x', value: '<a & b> "q" \'s\' ]]> \t\r\n 😀' },
    ]);
  });
});

describe('initialTags and the resource catalogue', () => {
  it('initialTags validates and limits', () => {
    assert.deepEqual(
      [
        ...initialTags([
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ]),
      ],
      [['a', '2']],
    );
    assert.throws(() => initialTags(manyTags(51)), { code: 'TagLimitExceeded' });
  });

  it('knows the resource type of each id', () => {
    assert.equal(resourceTypeOf('vpc-0123456789abcdef0'), 'vpc');
    assert.equal(resourceTypeOf('subnet-01234567'), 'subnet');
    assert.equal(resourceTypeOf('rtb-0123456789abcdef0'), 'route-table');
    assert.equal(resourceTypeOf('sg-0123456789abcdef0'), 'security-group');
    assert.equal(resourceTypeOf('eni-0123456789abcdef0'), 'network-interface');
    assert.equal(resourceTypeOf('i-0123456789abcdef0'), 'instance');
    assert.equal(resourceTypeOf('eni-attach-0123456789abcdef0'), undefined);
  });

  it('lists every taggable resource grouped by kind', () => {
    const { store, vpcId, subnetId } = vpcWorld();
    assert.deepEqual(
      taggedResources(store).map((r) => [r.type, r.id]),
      [
        ['vpc', vpcId],
        ['subnet', subnetId],
        ['route-table', mainRouteTable(store, vpcId).id],
        ['security-group', defaultSecurityGroup(store, vpcId).id],
      ],
    );
  });
});
