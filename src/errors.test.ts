// Every stable error code of every catalogue is documented in docs/errors.md with its CNI code, and the document
// names no code that no longer exists (fastify's error-docs test, adapted).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONFIG_ERRORS } from './config/errors.js';
import { IPAM_ERRORS } from './ipam/errors.js';
import { NETLINK_ERRORS } from './netlink/errors.js';
import { RPC_ERRORS } from './rpc/errors.js';
import { SIM_ERRORS } from './sim/index.js';
import { CHECKPOINT_FILE_ERRORS } from './ipamd/checkpoint/file.js';
import { CNI_INSTALL_ERRORS } from './cni/conflist.js';
import { CNI_ERRORS } from './cni/errors.js';
import { IPAMD_ERRORS } from './ipamd/errors.js';
import { DEMO_ERRORS } from './demo/errors.js';
import { CUSTOM_NETWORKING_ERRORS } from './custom-networking/errors.js';
import { ENICONFIG_ERRORS } from './eniconfig/errors.js';
import { K8S_ERRORS } from './k8s/errors.js';
import { VpcCniError, catalogueError, isVpcCniError } from './errors.js';
import { IpamError } from './ipam/errors.js';
import { NetlinkError } from './netlink/errors.js';

const CATALOGUES: Record<string, Record<string, { cniCode: number; summary: string }>> = {
  'src/ipam/errors.ts': IPAM_ERRORS,
  'src/config/errors.ts': CONFIG_ERRORS,
  'src/netlink/errors.ts': NETLINK_ERRORS,
  'src/sim/errors.ts': SIM_ERRORS,
  'src/ipamd/checkpoint/file.ts': CHECKPOINT_FILE_ERRORS,
  'src/cni/conflist.ts': CNI_INSTALL_ERRORS,
  'src/rpc/errors.ts': RPC_ERRORS,
  'src/cni/errors.ts': CNI_ERRORS,
  'src/ipamd/errors.ts': IPAMD_ERRORS,
  'src/demo/errors.ts': DEMO_ERRORS,
  'src/custom-networking/errors.ts': CUSTOM_NETWORKING_ERRORS,
  'src/eniconfig/errors.ts': ENICONFIG_ERRORS,
  'src/k8s/errors.ts': K8S_ERRORS,
};

function documentedRows(): Map<string, number> {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

describe('error catalogues', () => {
  const rows = documentedRows();
  for (const [file, catalogue] of Object.entries(CATALOGUES)) {
    for (const [code, entry] of Object.entries(catalogue)) {
      it(`${code} (${file}) is documented with CNI code ${entry.cniCode}`, () => {
        assert.equal(
          rows.get(code),
          entry.cniCode,
          `docs/errors.md needs a row "| \`${code}\` | ${entry.cniCode} | ..."`,
        );
      });
    }
  }

  it('documents no code that no catalogue defines', () => {
    const known = new Set(Object.values(CATALOGUES).flatMap((c) => Object.keys(c)));
    assert.deepEqual(
      [...rows.keys()].filter((code) => !known.has(code)),
      [],
    );
  });

  it('codes are unique across catalogues', () => {
    const all = Object.values(CATALOGUES).flatMap((c) => Object.keys(c));
    assert.equal(new Set(all).size, all.length);
  });

  it('VpcCniError keeps code, CNI code, details and cause', () => {
    const cause = new Error('root');
    const error = new VpcCniError('SOME_CODE', 'message', { cniCode: 11, details: { a: 1 }, cause });
    assert.ok(isVpcCniError(error));
    assert.equal(error.name, 'VpcCniError');
    assert.equal(error.cniCode, 11);
    assert.deepEqual(error.details, { a: 1 });
    assert.equal(error.cause, cause);
    assert.equal(new VpcCniError('X', 'y').cniCode, 999);
  });

  it('a layer class from catalogueError keeps its own name and takes its CNI code from the catalogue', () => {
    const cause = new Error('root');
    const error = new IpamError('UNKNOWN_INSTANCE_TYPE', 'no such type', { instanceType: 'x' }, cause);
    assert.ok(error instanceof IpamError && error instanceof VpcCniError);
    assert.ok(!(error instanceof NetlinkError));
    assert.equal(error.name, 'IpamError');
    assert.equal(error.cniCode, IPAM_ERRORS.UNKNOWN_INSTANCE_TYPE.cniCode);
    assert.deepEqual(error.details, { instanceType: 'x' });
    assert.equal(error.cause, cause);
    assert.deepEqual(new NetlinkError('NETLINK_EXISTS', 'exists').details, {});
    class Custom extends catalogueError({ ONLY: { cniCode: 11, summary: 'one' } }) {}
    assert.equal(new Custom('ONLY', 'm').cniCode, 11);
  });
});
