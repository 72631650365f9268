// @kubernetes/client-node takes about a second to import (and the YAML parser ~0.1 s): ipamd must not pay either
// unless it uses them. Each case runs a fresh node whose module resolver refuses the forbidden packages, so a static
// import anywhere on the path fails the import.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** build/spec/ (this file is build/spec/test/integration/k8s/lazy-import.test.js). */
const SPEC = new URL('../../../', import.meta.url).href;

function hook(forbidden: readonly string[]): string {
  const code = `export async function resolve(specifier, context, next) {
    if (${JSON.stringify(forbidden)}.some((p) => specifier === p || specifier.startsWith(p + '/'))) throw new Error('FORBIDDEN IMPORT ' + specifier);
    return next(specifier, context);
  }`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

async function runWith(forbidden: readonly string[], body: string): Promise<{ ok: boolean; output: string }> {
  const script = `import { register } from 'node:module';
register(${JSON.stringify(hook(forbidden))});
const spec = ${JSON.stringify(SPEC)};
${body}`;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('lazy loading of the Kubernetes client and the YAML parser', () => {
  it('the ENIConfig source and the factory import neither', async () => {
    const result = await runWith(
      ['@kubernetes/client-node', 'yaml'],
      `
      for (const m of ['src/eniconfig/open.js', 'src/eniconfig/eni-config-source.js', 'src/eniconfig/select.js', 'src/eniconfig/vpc-check.js', 'src/eniconfig/validate-object.js', 'src/config/k8s-env.js']) await import(spec + m);
      console.log('imported');`,
    );
    assert.ok(result.ok, result.output);
    assert.match(result.output, /imported/);
  });

  it('the static source does not import the Kubernetes client', async () => {
    const result = await runWith(
      ['@kubernetes/client-node'],
      `
      const { openNodeInfoSource } = await import(spec + 'src/eniconfig/open.js');
      const source = await openNodeInfoSource({ kind: 'static', nodeName: 'n', pollMs: 0 });
      console.log(source.kind);
      await source.close();`,
    );
    assert.ok(result.ok, result.output);
    assert.match(result.output, /static/);
  });

  it('the guard works: opening a Kubernetes source does import it', async () => {
    const result = await runWith(
      ['@kubernetes/client-node'],
      `
      const { openNodeInfoSource } = await import(spec + 'src/eniconfig/open.js');
      await openNodeInfoSource({ kind: 'kubernetes', target: { kind: 'server', url: 'http://127.0.0.1:1' }, nodeName: 'n', syncTimeoutMs: 10 });`,
    );
    assert.equal(result.ok, false);
    assert.match(result.output, /FORBIDDEN IMPORT @kubernetes\/client-node/);
  });
});
