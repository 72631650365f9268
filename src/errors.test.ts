// Every stable error code of every catalogue is documented in docs/errors.md with its CNI code, and the document
// names no code that no longer exists (fastify's error-docs test, adapted).
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VpcCniError, catalogueError, errorGuard, isVpcCniError, type ErrorCatalogue } from './errors.js';
import { IPAM_ERRORS, IpamError } from './ipam/errors.js';
import { NetlinkError } from './netlink/errors.js';

/** The repository (this file runs from build/spec/src/) and the compiled tree beside this file. */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const COMPILED = fileURLToPath(new URL('./', import.meta.url));

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.test-util.ts')) out.push(path);
  }
  return out;
}

/** Every catalogue of the shipped tree, found by its declaration (so that none can be left out of this test). */
async function findCatalogues(): Promise<Map<string, ErrorCatalogue>> {
  const catalogues = new Map<string, ErrorCatalogue>();
  const src = join(REPO, 'src');
  for (const file of sourceFiles(src)) {
    if (!readFileSync(file, 'utf8').includes('satisfies ErrorCatalogue')) continue;
    const module = (await import(join(COMPILED, relative(src, file)).replace(/\.ts$/, '.js'))) as Record<
      string,
      unknown
    >;
    for (const [name, value] of Object.entries(module)) {
      if (name.endsWith('_ERRORS')) catalogues.set(`src/${relative(src, file)} ${name}`, value as ErrorCatalogue);
    }
  }
  return catalogues;
}

function documentedRows(): Map<string, number> {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

const catalogues = await findCatalogues();

describe('error catalogues', () => {
  const rows = documentedRows();

  it('finds the catalogues of every layer', () => {
    const files = [...catalogues.keys()].map((key) => key.split(' ')[0]);
    for (const layer of ['ipam', 'config', 'netlink', 'sim', 'rpc', 'cni', 'ipamd', 'demo', 'cli', 'cloud', 'k8s']) {
      assert.ok(
        files.some((file) => file?.startsWith(`src/${layer}/`)),
        `no catalogue found under src/${layer}/`,
      );
    }
  });

  for (const [where, catalogue] of catalogues) {
    for (const [code, entry] of Object.entries(catalogue)) {
      it(`${code} (${where}) is documented with CNI code ${entry.cniCode}`, () => {
        assert.equal(
          rows.get(code),
          entry.cniCode,
          `docs/errors.md needs a row "| \`${code}\` | ${entry.cniCode} | ..."`,
        );
      });
    }
  }

  it('documents no code that no catalogue defines', () => {
    const known = new Set([...catalogues.values()].flatMap((c) => Object.keys(c)));
    assert.deepEqual(
      [...rows.keys()].filter((code) => !known.has(code)),
      [],
    );
  });

  it('codes are unique across catalogues', () => {
    const all = [...catalogues.values()].flatMap((c) => Object.keys(c));
    assert.equal(new Set(all).size, all.length);
  });

  it('an error keeps code, CNI code, details and cause; a code outside the catalogue is internal (999)', () => {
    class SomeError extends catalogueError({ SOME_CODE: { cniCode: 11, summary: 'x' } } as const) {}
    const cause = new Error('root');
    const error = new SomeError('SOME_CODE', 'message', { a: 1 }, cause);
    assert.ok(isVpcCniError(error));
    assert.equal(error.name, 'SomeError');
    assert.equal(error.cniCode, 11);
    assert.deepEqual(error.details, { a: 1 });
    assert.equal(error.cause, cause);
    assert.equal(new SomeError('OTHER' as 'SOME_CODE', 'y').cniCode, 999);
    assert.deepEqual(new SomeError('SOME_CODE', 'y').details, {});
  });

  it('errorGuard narrows to a layer and, when given, to its codes', () => {
    const isIpamError = errorGuard(IpamError);
    const error = new IpamError('UNKNOWN_INSTANCE_TYPE', 'no such type');
    assert.ok(isIpamError(error));
    assert.ok(isIpamError(error, 'INVALID_CIDR', 'UNKNOWN_INSTANCE_TYPE'));
    assert.ok(!isIpamError(error, 'INVALID_CIDR'));
    assert.ok(!isIpamError(new NetlinkError('NETLINK_EXISTS', 'exists')));
    assert.ok(!isIpamError(new Error('plain')));
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
