import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envText, poolText } from './pool.js';

const NOW = Date.parse('2026-11-27T00:40:00Z');

const POOL_DOC = {
  generatedAt: '2026-11-27T00:39:58Z',
  mode: { prefixDelegation: false, customNetworking: false },
  targets: { warmEniTarget: 1, warmIpTarget: 0, minimumIpTarget: 0, warmPrefixTarget: 0 },
  cards: [
    {
      networkCard: 0,
      plannedAt: '2026-11-27T00:39:58Z',
      summary: 'steady: pool at target: 9 available ≥ 9 (WARM_ENI_TARGET 1 × 9 IPs per ENI)',
      resize: { kind: 'steady', reason: 'x' },
      freeEni: { kind: 'keep', reason: 'no extra ENI: 9 available < 18' },
      state: {
        tooLow: { result: false, reason: 'pool at target' },
        tooHigh: { result: false, reason: 'WARM_ENI_TARGET mode never releases single IPs' },
      },
      stats: { totalIPs: 18, assignedIPs: 9, cooldownIPs: 0, availableIPs: 9, totalPrefixes: 0, freePrefixes: 0 },
      limits: { maxEnis: 3, maxIpsPerEni: 9, maxPods: 29 },
      unmanagedEnis: 0,
      trunkReserve: 0,
      lastDecreaseAt: null,
      lastInsufficientAt: null,
      attachmentBlockedBy: null,
    },
  ],
  recentActions: [
    {
      at: '2026-11-27T00:39:30Z',
      action: 'AttachNetworkInterface',
      networkCard: null,
      eniId: 'eni-0b',
      detail: 'attach at device 1',
      outcome: 'ok',
      errorCode: null,
      durationMs: 6,
    },
  ],
  recentErrors: [
    {
      at: '2026-11-27T00:39:00Z',
      code: 'CLOUD_THROTTLED',
      message: 'RequestLimitExceeded',
      networkCard: 0,
      action: 'AssignPrivateIpAddresses',
      hint: 'retried with backoff',
    },
  ],
};

describe('status pool', () => {
  it('says the mode, the targets, the plan and why, the limits, the recent actions and errors', () => {
    const text = poolText(POOL_DOC, NOW, { wide: false, endpoint: 'http://x' });
    assert.match(text, /^Mode: secondary IPs, custom networking off$/m);
    assert.match(
      text,
      /^Targets: WARM_ENI_TARGET=1 {2}WARM_IP_TARGET=0 \(unset\) {2}MINIMUM_IP_TARGET=0 \(unset\) {2}WARM_PREFIX_TARGET=0 \(unset\)$/m,
    );
    assert.match(text, /^Network card 0 \(planned 2s ago\): steady: pool at target/m);
    assert.match(text, /^ {2}addresses: {4}18 in the pool, 9 assigned, 0 cooling down, 9 available$/m);
    assert.match(text, /^ {2}free an ENI\? {2}keep: no extra ENI/m);
    assert.match(text, /^30s {3}AttachNetworkInterface {3}eni-0b {3}attach at device 1 {3}ok {8}6$/m);
    assert.match(text, /^ {2}60s ago {2}CLOUD_THROTTLED: RequestLimitExceeded\n {4}→ retried with backoff$/m);
  });

  it('refuses a document that is not a pool report', () => {
    assert.throws(
      () => poolText({ AvailableCommands: [] }, NOW, { wide: false, endpoint: 'http://x' }),
      /not ipamd's pool report/,
    );
  });
});

describe('status env', () => {
  it('prints both settings documents as tables, null lists as <unset>', () => {
    const text = envText(
      { AWS_VPC_ENI_MTU: 9001, AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: null },
      { WARM_ENI_TARGET: 1 },
      'http://x',
    );
    assert.match(text, /^AWS_VPC_ENI_MTU {22}9001$/m);
    assert.match(text, /^AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS {3}<unset>$/m);
    assert.match(text, /^ipamd \(\/v1\/ipamd-env-settings\):\nSETTING {11}VALUE\nWARM_ENI_TARGET {3}1$/m);
  });
});
