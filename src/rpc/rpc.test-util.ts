// Shared fixtures of the RPC tests: sample messages, temp socket dirs, a protobufjs reflection of the proto text (the
// independent implementation the codec is checked against) and a fake backend.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { addNetworkReplyCodec, delNetworkReplyCodec } from './codec.js';
import { EMPTY_PROTO, HEALTH_PROTO, RPC_PROTO, type FieldSpec } from './proto.js';
import type { AddNetworkReply, AddNetworkRequest, CniBackend, DelNetworkReply, DelNetworkRequest } from './types.js';

export const VERSION = 'v1.19.0-test';

export const ADD_REQUEST: AddNetworkRequest = {
  clientVersion: VERSION,
  k8sPodName: 'nginx-7c5ddbdf54-abcde',
  k8sPodNamespace: 'default',
  k8sPodInfraContainerId: 'f'.repeat(64),
  containerId: 'f'.repeat(64),
  ifName: 'eth0',
  networkName: 'aws-cni',
  netns: '/var/run/netns/cni-1234',
  requiresMultiNicAttachment: false,
};

export const DEL_REQUEST: DelNetworkRequest = {
  clientVersion: VERSION,
  k8sPodName: 'nginx-7c5ddbdf54-abcde',
  k8sPodNamespace: 'default',
  k8sPodInfraContainerId: 'f'.repeat(64),
  reason: 'PodDeleted',
  containerId: 'f'.repeat(64),
  ifName: 'eth0',
  networkName: 'aws-cni',
  k8sPodUid: '6a1f0b4e-0000-4000-8000-000000000001',
};

/** Same request, without the version the client adds. */
export function withoutVersion<T extends { clientVersion: string }>(request: T): Omit<T, 'clientVersion'> {
  const { clientVersion: _ignored, ...rest } = request;
  return rest;
}

/** A backend that answers from the request: the address encodes the container id, so replies can be matched. */
export function echoBackend(overrides: Partial<CniBackend> = {}): CniBackend & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    addNetwork: (request): Promise<AddNetworkReply> => {
      calls.push(`add ${request.containerId}`);
      return Promise.resolve(
        addNetworkReplyCodec.create({
          success: true,
          ipAllocationMetadata: [{ ipv4Addr: '10.0.1.17', ipv6Addr: '', deviceNumber: 1, routeTableId: 2 }],
          vpcV4Cidrs: ['10.0.0.0/16'],
          podEniMac: request.containerId,
        }),
      );
    },
    delNetwork: (request): Promise<DelNetworkReply> => {
      calls.push(`del ${request.containerId}`);
      return Promise.resolve(delNetworkReplyCodec.create({ success: true, networkPolicyMode: request.reason }));
    },
    ...overrides,
  };
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vcni-rpc-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** protobufjs's full reflection of the proto text: `reference` drops our fields 100–102, as the reference's plugin has. */
export function reflect(reference = false): protobuf.Root {
  const text = reference
    ? RPC_PROTO.split('\n')
        .filter((line) => !/= 10[012];/.test(line))
        .join('\n')
    : RPC_PROTO;
  const root = protobuf.parse(text, { keepCase: true }).root;
  protobuf.parse(EMPTY_PROTO, root, { keepCase: true });
  protobuf.parse(HEALTH_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Our object (lowerCamel keys) as a protobufjs plain object (proto names), proto3 defaults left out. */
export function toProtoObject(fields: readonly FieldSpec[], message: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value: unknown = (message as Record<string, unknown>)[f.key];
    if (value === undefined || value === '' || value === 0 || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[f.protoName] =
      f.kind === 'message' ? (value as object[]).map((item) => toProtoObject(f.message ?? [], item)) : value;
  }
  return out;
}

/** A protobufjs plain object (toObject with defaults) back to our keys. */
export function fromProtoObject(
  fields: readonly FieldSpec[],
  object: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value = object[f.protoName];
    out[f.key] =
      f.kind === 'message'
        ? (value as Record<string, unknown>[]).map((item) => fromProtoObject(f.message ?? [], item))
        : value;
  }
  return out;
}
