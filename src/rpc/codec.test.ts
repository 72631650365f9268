// The codec against itself (round trips, proto3 defaults, unknown fields, malformed input) and against an independent
// implementation: protobufjs's reflection of the proto text, with and without our extension fields 100–102.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import {
  addNetworkReplyCodec,
  addNetworkRequestCodec,
  delNetworkReplyCodec,
  delNetworkRequestCodec,
  frameMessage,
  healthCheckRequestCodec,
  healthCheckResponseCodec,
  unframeMessage,
  type Codec,
} from './codec.js';
import { isRpcError } from './errors.js';
import {
  ADD_NETWORK_REPLY_FIELDS,
  ADD_NETWORK_REQUEST_FIELDS,
  DEL_NETWORK_REPLY_FIELDS,
  DEL_NETWORK_REQUEST_FIELDS,
  type FieldSpec,
} from './proto.js';
import { ADD_REQUEST, DEL_REQUEST, fromProtoObject, reflect, toProtoObject } from './rpc.test-util.js';

const FULL_ADD_REPLY = addNetworkReplyCodec.create({
  success: true,
  ipAllocationMetadata: [
    { ipv4Addr: '10.0.1.17', ipv6Addr: '', deviceNumber: 1, routeTableId: 2 },
    { ipv4Addr: '', ipv6Addr: '2001:db8::5', deviceNumber: -1, routeTableId: 0 },
  ],
  useExternalSnat: true,
  vpcV4Cidrs: ['10.0.0.0/16', '', '100.64.0.0/10'],
  vpcV6Cidrs: ['2001:db8::/56'],
  podVlanId: 4094,
  podEniMac: '0a:1b:2c:3d:4e:5f',
  podEniSubnetGw: '10.0.32.1',
  parentIfIndex: 2147483647,
  networkPolicyMode: 'standard',
  errorCode: 'NO_AVAILABLE_ADDRESS',
  errorMessage: 'no free address — ünïcode too',
  errorCniCode: 11,
});

interface Case {
  readonly name: string;
  readonly type: string;
  readonly fields: readonly FieldSpec[];
  readonly codec: Codec<object>;
  readonly message: object;
}

const DEL_REPLY = delNetworkReplyCodec.create({
  success: true,
  ipAllocationMetadata: [{ ipv4Addr: '10.0.1.17', ipv6Addr: '', deviceNumber: 0, routeTableId: 1 }],
  podVlanId: 7,
  networkPolicyMode: 'strict',
});
const ADD_FAILURE = addNetworkReplyCodec.create({ errorCode: 'X', errorMessage: 'y' });

function each<T extends object>(
  type: string,
  fields: readonly FieldSpec[],
  codec: Codec<T>,
  named: Record<string, T>,
): Case[] {
  return Object.entries(named).map(([label, message]) => ({
    name: `${type} (${label})`,
    type,
    fields,
    codec,
    message,
  }));
}

const CASES: Case[] = [
  ...each('rpc.AddNetworkRequest', ADD_NETWORK_REQUEST_FIELDS, addNetworkRequestCodec, {
    typical: { ...ADD_REQUEST, requiresMultiNicAttachment: true },
    'all defaults': addNetworkRequestCodec.create(),
  }),
  ...each('rpc.AddNetworkReply', ADD_NETWORK_REPLY_FIELDS, addNetworkReplyCodec, {
    'every field': FULL_ADD_REPLY,
    failure: ADD_FAILURE,
  }),
  ...each('rpc.DelNetworkRequest', DEL_NETWORK_REQUEST_FIELDS, delNetworkRequestCodec, { typical: DEL_REQUEST }),
  ...each('rpc.DelNetworkReply', DEL_NETWORK_REPLY_FIELDS, delNetworkReplyCodec, { typical: DEL_REPLY }),
];

describe('rpc codec', () => {
  const root = reflect();
  for (const c of CASES) {
    describe(c.name, () => {
      const type = root.lookupType(c.type);
      it('round-trips', () => assert.deepEqual(c.codec.decode(c.codec.encode(c.message)), c.message));
      it('writes the same bytes as protobufjs reflection', () => {
        const theirs = type.encode(type.fromObject(toProtoObject(c.fields, c.message))).finish();
        assert.equal(Buffer.from(c.codec.encode(c.message)).toString('hex'), Buffer.from(theirs).toString('hex'));
      });
      it('decodes what protobufjs reflection writes, and vice versa', () => {
        const theirs = type.encode(type.fromObject(toProtoObject(c.fields, c.message))).finish();
        assert.deepEqual(c.codec.decode(theirs), c.message);
        const decoded = type.toObject(type.decode(c.codec.encode(c.message)), { defaults: true, arrays: true });
        assert.deepEqual(fromProtoObject(c.fields, decoded), c.message);
      });
    });
  }

  it('the field tables match the proto text (names, numbers, kinds)', () => {
    const tables: [string, readonly FieldSpec[]][] = [
      ['rpc.AddNetworkRequest', ADD_NETWORK_REQUEST_FIELDS],
      ['rpc.AddNetworkReply', ADD_NETWORK_REPLY_FIELDS],
      ['rpc.DelNetworkRequest', DEL_NETWORK_REQUEST_FIELDS],
      ['rpc.DelNetworkReply', DEL_NETWORK_REPLY_FIELDS],
    ];
    for (const [name, fields] of tables) {
      const type = root.lookupType(name);
      const theirs = type.fieldsArray.map(
        (f) => `${f.name}=${f.id}:${f.repeated ? 'repeated ' : ''}${f.resolvedType ? 'message' : f.type}`,
      );
      const ours = fields.map((f) => `${f.protoName}=${f.no}:${f.repeated === true ? 'repeated ' : ''}${f.kind}`);
      assert.deepEqual(ours, theirs, name);
    }
  });

  it('the reference plugin (no fields 100–102) skips our error fields and reads the rest', () => {
    const type = reflect(true).lookupType('rpc.AddNetworkReply');
    const decoded = type.toObject(type.decode(addNetworkReplyCodec.encode(FULL_ADD_REPLY)), {
      defaults: true,
      arrays: true,
    });
    const { errorCode: _c, errorMessage: _m, errorCniCode: _n, ...rest } = FULL_ADD_REPLY;
    assert.deepEqual(
      fromProtoObject(
        ADD_NETWORK_REPLY_FIELDS.filter((f) => f.no < 100),
        decoded,
      ),
      rest,
    );
  });

  it('proto3 defaults are not written and are filled in on decode', () => {
    assert.equal(addNetworkReplyCodec.encode(addNetworkReplyCodec.create()).length, 0);
    assert.deepEqual(addNetworkReplyCodec.decode(new Uint8Array()), addNetworkReplyCodec.create());
    assert.deepEqual(delNetworkRequestCodec.decode(new Uint8Array()).k8sPodUid, '');
  });

  it('skips unknown fields of every wire type, also inside nested messages', () => {
    const writer = protobuf.Writer.create();
    writer.uint32((50 << 3) | 0).uint64(123456789012);
    writer.uint32((51 << 3) | 1).fixed64(7);
    writer.uint32((52 << 3) | 2).string('future');
    writer.uint32((53 << 3) | 5).fixed32(9);
    writer.uint32((1 << 3) | 0).bool(true);
    writer
      .uint32((2 << 3) | 2)
      .fork()
      .uint32((9 << 3) | 2)
      .string('x')
      .uint32((1 << 3) | 2)
      .string('10.0.0.9')
      .ldelim();
    writer.uint32((8 << 3) | 0).int32(5); // PodENIMAC with the wrong wire type: skipped, not misread
    const reply = addNetworkReplyCodec.decode(writer.finish());
    assert.equal(reply.success, true);
    assert.deepEqual(reply.ipAllocationMetadata, [
      { ipv4Addr: '10.0.0.9', ipv6Addr: '', deviceNumber: 0, routeTableId: 0 },
    ]);
    assert.equal(reply.podEniMac, '');
  });

  it('a repeated scalar field given twice keeps the last value; repeated fields accumulate', () => {
    const writer = protobuf.Writer.create();
    writer
      .uint32((8 << 3) | 2)
      .string('a')
      .uint32((8 << 3) | 2)
      .string('b');
    writer
      .uint32((6 << 3) | 2)
      .string('10.0.0.0/16')
      .uint32((6 << 3) | 2)
      .string('10.1.0.0/16');
    const reply = addNetworkReplyCodec.decode(writer.finish());
    assert.equal(reply.podEniMac, 'b');
    assert.deepEqual(reply.vpcV4Cidrs, ['10.0.0.0/16', '10.1.0.0/16']);
  });

  for (const [name, bytes] of [
    ['truncated string', [0x42, 0x05, 0x61]],
    ['truncated varint', [0x08, 0xff]],
    ['nested length overrun', [0x12, 0x03, 0x0a, 0x05, 0x61]],
    ['invalid wire type 7', [0x0f]],
    ['field number 0', [0x00, 0x01]],
  ] as const) {
    it(`refuses malformed bytes (${name}) with RPC_PROTOCOL`, () => {
      assert.throws(
        () => addNetworkReplyCodec.decode(Uint8Array.from(bytes)),
        (error) => isRpcError(error, 'RPC_PROTOCOL'),
      );
    });
  }

  it('health messages map the serving status enum by name', () => {
    const type = reflect().lookupType('grpc.health.v1.HealthCheckResponse');
    assert.deepEqual(type.toObject(type.decode(healthCheckResponseCodec.encode({ status: 'NOT_SERVING' }))), {
      status: 2,
    });
    assert.deepEqual(healthCheckResponseCodec.decode(type.encode({ status: 1 }).finish()), { status: 'SERVING' });
    assert.deepEqual(healthCheckResponseCodec.decode(Uint8Array.from([0x08, 0x09])), { status: 'UNKNOWN' });
    assert.deepEqual(healthCheckRequestCodec.decode(healthCheckRequestCodec.encode({ service: 'a' })), {
      service: 'a',
    });
  });

  it('frames and unframes gRPC messages; refuses short, compressed and mis-sized frames', () => {
    const framed = frameMessage(Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...framed], [0, 0, 0, 0, 3, 1, 2, 3]);
    assert.deepEqual([...unframeMessage(framed)], [1, 2, 3]);
    for (const bad of [
      [0, 0, 0],
      [1, 0, 0, 0, 1, 9],
      [0, 0, 0, 0, 4, 1, 2, 3],
      [0, 0, 0, 0, 1, 1, 2],
    ]) {
      assert.throws(
        () => unframeMessage(Uint8Array.from(bad)),
        (error) => isRpcError(error, 'RPC_PROTOCOL'),
        String(bad),
      );
    }
  });
});
