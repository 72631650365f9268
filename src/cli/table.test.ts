import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, humanDuration, podTable } from './table.js';

describe('formatTable (kubectl tabwriter: min width 6, padding 3)', () => {
  it('pads every column but the last to its widest cell plus three', () => {
    assert.equal(
      formatTable(
        ['NAME', 'IP'],
        [
          ['web-0', '10.11.0.4'],
          ['web-10', '10.11.0.15'],
        ],
      ),
      'NAME     IP\nweb-0    10.11.0.4\nweb-10   10.11.0.15\n',
    );
  });

  it('gives short columns the minimum width and fills missing cells', () => {
    assert.equal(formatTable(['A', 'B', 'C'], [['x']]), 'A     B     C\nx\n');
  });
});

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [-5_000, '<invalid>'],
    [-1_000, '0s'],
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3600_000, '3h'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [8 * 3600_000, '8h'],
    [47 * 3600_000, '47h'],
    [91 * 3600_000, '3d19h'],
    [96 * 3600_000, '4d'],
    [8 * 86400_000, '8d'],
    [800 * 86400_000, '2y70d'],
    [9 * 365 * 86400_000, '9y'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms is ${text}`, () => assert.equal(humanDuration(ms), text));
});

describe('podTable', () => {
  it('prints kubectl get pods -A -o wide, sorted by namespace and name', () => {
    const now = 1_000_000_000;
    const text = podTable(
      [
        {
          namespace: 'default',
          name: 'web-0',
          status: 'Running',
          ip: '10.11.0.4',
          node: 'ip-10-11-16-31.ap-northeast-2.compute.internal',
          createdAt: now - 5_000,
        },
        {
          namespace: '2048-game',
          name: '2048-deployment-dd74cc68d-2bnxc',
          status: 'ContainerCreating',
          node: 'ip-10-11-55-30.ap-northeast-2.compute.internal',
          createdAt: now - 329_940_000,
        },
      ],
      now,
    );
    assert.equal(
      text,
      [
        'NAMESPACE   NAME                              READY   STATUS              RESTARTS   AGE     IP          NODE                                             NOMINATED NODE   READINESS GATES',
        '2048-game   2048-deployment-dd74cc68d-2bnxc   0/1     ContainerCreating   0          3d19h   <none>      ip-10-11-55-30.ap-northeast-2.compute.internal   <none>           <none>',
        'default     web-0                             1/1     Running             0          5s      10.11.0.4   ip-10-11-16-31.ap-northeast-2.compute.internal   <none>           <none>',
        '',
      ].join('\n'),
    );
  });
});
