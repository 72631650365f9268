// The network-policy messages (rpc.NPBackend, rpc.ConfigServerBackend): round trips, byte-for-byte agreement with
// protobufjs's reflection of the proto text, and the reference's field names and numbers written out independently of
// that text (a wrong number in both the text and the tables would pass the cross-check, not this).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import type { Codec } from './codec.js';
import { METHODS } from './methods.js';
import {
  deleteNpReplyCodec,
  deleteNpRequestCodec,
  emptyCodec,
  enforceNpReplyCodec,
  enforceNpRequestCodec,
  networkPolicyAgentConfigReplyCodec,
} from './np-codec.js';
import {
  DELETE_NP_REPLY_FIELDS,
  DELETE_NP_REQUEST_FIELDS,
  EMPTY_FIELDS,
  ENFORCE_NP_REPLY_FIELDS,
  ENFORCE_NP_REQUEST_FIELDS,
  NETWORK_POLICY_AGENT_CONFIG_REPLY_FIELDS,
  type FieldSpec,
} from './proto.js';
import { fromProtoObject, reflect, toProtoObject } from './rpc.test-util.js';

interface Case {
  readonly type: string;
  readonly fields: readonly FieldSpec[];
  readonly codec: Codec<object>;
  readonly messages: Record<string, object>;
}

const CASES: readonly Case[] = [
  {
    type: 'rpc.EnforceNpRequest',
    fields: ENFORCE_NP_REQUEST_FIELDS,
    codec: enforceNpRequestCodec,
    messages: {
      typical: {
        k8sPodName: 'web-5d8f7c9b6-x2kq9',
        k8sPodNamespace: 'prod',
        networkPolicyMode: 'strict',
        interfaceCount: 1,
      },
      'multi-NIC, mode in capitals': {
        k8sPodName: 'a',
        k8sPodNamespace: 'b',
        networkPolicyMode: 'Standard',
        interfaceCount: 3,
      },
      'all defaults': enforceNpRequestCodec.create(),
    },
  },
  {
    type: 'rpc.EnforceNpReply',
    fields: ENFORCE_NP_REPLY_FIELDS,
    codec: enforceNpReplyCodec,
    messages: { success: { success: true }, failure: { success: false } },
  },
  {
    type: 'rpc.DeleteNpRequest',
    fields: DELETE_NP_REQUEST_FIELDS,
    codec: deleteNpRequestCodec,
    messages: { typical: { k8sPodName: 'web-0', k8sPodNamespace: 'default' } },
  },
  {
    type: 'rpc.DeleteNpReply',
    fields: DELETE_NP_REPLY_FIELDS,
    codec: deleteNpReplyCodec,
    messages: { success: { success: true }, failure: { success: false } },
  },
  {
    type: 'rpc.NetworkPolicyAgentConfigReply',
    fields: NETWORK_POLICY_AGENT_CONFIG_REPLY_FIELDS,
    codec: networkPolicyAgentConfigReplyCodec,
    messages: {
      'IPv4 node': {
        networkPolicyMode: 'standard',
        multiNicEnabled: true,
        nodeIpv4: '10.11.0.10',
        nodeIpv6: '',
        instanceId: 'i-0123456789abcdef0',
        region: 'us-west-2',
      },
      'mode unset': networkPolicyAgentConfigReplyCodec.create({ instanceId: 'i-1', region: 'eu-west-1' }),
    },
  },
  { type: 'google.protobuf.Empty', fields: EMPTY_FIELDS, codec: emptyCodec, messages: { empty: {} } },
];

/** The reference's fields, written out from rpc.proto (not derived from our proto text). */
const REFERENCE_FIELDS: Record<string, string[]> = {
  'rpc.EnforceNpRequest': ['K8S_POD_NAME=1', 'K8S_POD_NAMESPACE=2', 'NETWORK_POLICY_MODE=3', 'InterfaceCount=4'],
  'rpc.EnforceNpReply': ['Success=1'],
  'rpc.DeleteNpRequest': ['K8S_POD_NAME=1', 'K8S_POD_NAMESPACE=2'],
  'rpc.DeleteNpReply': ['Success=1'],
  'rpc.NetworkPolicyAgentConfigReply': [
    'NetworkPolicyMode=1',
    'MultiNICEnabled=2',
    'NodeIPv4=3',
    'NodeIPv6=4',
    'InstanceID=5',
    'Region=6',
  ],
  'google.protobuf.Empty': [],
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('network-policy codecs', () => {
  const root = reflect();
  for (const c of CASES) {
    const type = root.lookupType(c.type);
    for (const [label, message] of Object.entries(c.messages)) {
      describe(`${c.type} (${label})`, () => {
        it('round-trips', () => assert.deepEqual(c.codec.decode(c.codec.encode(message)), message));
        it('writes the bytes protobufjs writes, and each decodes the other', () => {
          const theirs = type.encode(type.fromObject(toProtoObject(c.fields, message))).finish();
          assert.equal(hex(c.codec.encode(message)), hex(theirs));
          assert.deepEqual(c.codec.decode(theirs), message);
          const decoded = type.toObject(type.decode(c.codec.encode(message)), { defaults: true });
          assert.deepEqual(fromProtoObject(c.fields, decoded), message);
        });
      });
    }
  }

  it('the tables and the proto text carry the reference field names and numbers', () => {
    for (const c of CASES) {
      const ours = c.fields.map((f) => `${f.protoName}=${f.no}`);
      assert.deepEqual(ours, REFERENCE_FIELDS[c.type], `${c.type}: tables`);
      const theirs = root.lookupType(c.type).fieldsArray.map((f) => `${f.name}=${f.id}`);
      assert.deepEqual(theirs, REFERENCE_FIELDS[c.type], `${c.type}: proto text`);
    }
  });

  it('EnforceNpRequest on the wire, byte by byte', () => {
    const bytes = enforceNpRequestCodec.encode({
      k8sPodName: 'a',
      k8sPodNamespace: 'b',
      networkPolicyMode: 'strict',
      interfaceCount: 2,
    });
    // 0a 01 'a' | 12 01 'b' | 1a 06 'strict' | 20 02
    assert.equal(hex(bytes), '0a0161120162' + '1a06' + Buffer.from('strict').toString('hex') + '2002');
    assert.equal(hex(deleteNpReplyCodec.encode({ success: true })), '0801');
    assert.equal(hex(enforceNpReplyCodec.encode({ success: false })), '', 'false is the proto3 default');
  });

  it('Empty encodes to nothing and skips whatever a sender puts in it', () => {
    assert.equal(emptyCodec.encode({}).length, 0);
    const writer = protobuf.Writer.create();
    writer.uint32((1 << 3) | 2).string('x');
    writer.uint32((7 << 3) | 0).uint32(9);
    assert.deepEqual(emptyCodec.decode(writer.finish()), {});
  });

  it('the methods have the reference paths and codecs', () => {
    assert.equal(METHODS.enforceNpToPod.path, '/rpc.NPBackend/EnforceNpToPod');
    assert.equal(METHODS.deletePodNp.path, '/rpc.NPBackend/DeletePodNp');
    assert.equal(METHODS.getNetworkPolicyConfigs.path, '/rpc.ConfigServerBackend/GetNetworkPolicyConfigs');
    assert.equal(METHODS.enforceNpToPod.request, enforceNpRequestCodec);
    assert.equal(METHODS.deletePodNp.reply, deleteNpReplyCodec);
    assert.equal(METHODS.getNetworkPolicyConfigs.request, emptyCodec);
    for (const [service, methods] of [
      ['NPBackend', ['EnforceNpToPod', 'DeletePodNp']],
      ['ConfigServerBackend', ['GetNetworkPolicyConfigs']],
    ] as const) {
      assert.deepEqual(Object.keys(root.lookupService(`rpc.${service}`).methods), methods);
    }
    const config = root.lookupService('rpc.ConfigServerBackend').methods['GetNetworkPolicyConfigs'];
    assert.equal(config?.resolvedRequestType?.fullName, '.google.protobuf.Empty');
  });
});
