import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RpcError } from '../rpc/errors.js';
import { CniError, isCniError } from './errors.js';
import { errorOutput, interfaceNameProblem, readCmdArgs, readCommand, successOutput } from './skel.js';

const FULL = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/proc/1/ns/net', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };

describe('readCommand', () => {
  it('knows the CNI verbs', () => {
    for (const c of ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'])
      assert.equal(readCommand({ CNI_COMMAND: c }), c);
  });
  it('is undefined when unset (run by hand) and code 4 when unknown', () => {
    assert.equal(readCommand({}), undefined);
    assert.throws(
      () => readCommand({ CNI_COMMAND: 'add' }),
      (e: unknown) => isCniError(e, 'CNI_INVALID_ENV') && /unknown CNI_COMMAND: "add"/.test(e.message),
    );
  });
});

describe('readCmdArgs', () => {
  const missing: readonly [string, Record<string, string>, string][] = [
    ['ADD', {}, '[CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH]'],
    ['ADD', { ...FULL, CNI_NETNS: '' }, '[CNI_NETNS]'],
    ['CHECK', { ...FULL, CNI_IFNAME: '' }, '[CNI_IFNAME]'],
    ['DEL', { CNI_PATH: '/opt/cni/bin' }, '[CNI_CONTAINERID,CNI_IFNAME]'],
  ];
  for (const [command, env, named] of missing) {
    it(`${command} without ${named} is code 4 naming them`, () => {
      assert.throws(
        () => readCmdArgs(env, command as 'ADD'),
        (e: unknown) => isCniError(e, 'CNI_MISSING_ENV') && e.message === `required env variables ${named} missing`,
      );
    });
  }

  it('DEL needs no CNI_NETNS; STATUS and GC need nothing', () => {
    assert.equal(readCmdArgs({ CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_PATH: '/x' }, 'DEL').netns, '');
    assert.equal(readCmdArgs({}, 'STATUS').command, 'STATUS');
    assert.equal(readCmdArgs({}, 'GC').command, 'GC');
  });

  const hostile: readonly [string, Record<string, string>, RegExp][] = [
    ['long ifname', { CNI_IFNAME: 'eth0123456789012' }, /too long/],
    ['slash in ifname', { CNI_IFNAME: 'eth/0' }, /contains \/ or :/],
    ['space in ifname', { CNI_IFNAME: 'eth 0' }, /whitespace/],
    ['colon in ifname', { CNI_IFNAME: 'eth0:1' }, /contains/],
    ['dot-dot ifname', { CNI_IFNAME: '..' }, /is \. or \.\./],
    ['container id with a slash', { CNI_CONTAINERID: '../c1' }, /invalid characters in containerID/],
    ['relative netns', { CNI_NETNS: 'netns/x' }, /CNI_NETNS .* is not an absolute path/],
    ['netns with a newline', { CNI_NETNS: '/proc/1/ns/net\n' }, /CNI_NETNS/],
    ['ifname with a shell command', { CNI_IFNAME: 'eth0;reboot' }, /only letters, digits/],
    ['ifname with a quote', { CNI_IFNAME: 'eth"0' }, /only letters, digits/],
    ['ifname starting with a dash', { CNI_IFNAME: '-eth0' }, /only letters, digits/],
    ['netns with a space', { CNI_NETNS: '/var/run/netns/a b' }, /namespace path/],
    ['netns with a batch comment', { CNI_NETNS: '/var/run/netns/a#b' }, /namespace path/],
  ];
  for (const [what, env, message] of hostile) {
    it(`refuses a ${what} (code 4)`, () => {
      assert.throws(
        () => readCmdArgs({ ...FULL, ...env }, 'ADD'),
        (e: unknown) => isCniError(e, 'CNI_INVALID_ENV') && e.cniCode === 4 && message.test(e.message),
      );
    });
  }

  it('holds only ADD and CHECK to the wiring rules: DEL never wires, and must release what ipamd holds', () => {
    const odd = { ...FULL, CNI_IFNAME: 'eth0;x', CNI_NETNS: '/var/run/netns/a#b' };
    assert.throws(
      () => readCmdArgs(odd, 'CHECK'),
      (e: unknown) => isCniError(e, 'CNI_INVALID_ENV'),
    );
    assert.equal(readCmdArgs(odd, 'DEL').ifName, 'eth0;x');
  });

  it('accepts the names runtimes use', () => {
    for (const netns of [
      '/var/run/netns/cni-1b2c3d4e-0000-4000-8000-000000000000',
      '/proc/4242/ns/net',
      '/run/netns/netns-a.b_c',
    ]) {
      assert.equal(readCmdArgs({ ...FULL, CNI_NETNS: netns, CNI_IFNAME: 'net1.100' }, 'ADD').netns, netns);
    }
  });

  it('accepts fifteen-character interface names', () => {
    assert.equal(interfaceNameProblem('eth012345678901'), undefined);
  });
});

describe('output', () => {
  it('success prints the body, or nothing', () => {
    assert.deepEqual(JSON.parse(successOutput({ a: 1 }).stdout), { a: 1 });
    assert.deepEqual(successOutput(), { stdout: '', stderr: '', exitCode: 0 });
  });

  it('errors print the spec error object and exit 1', () => {
    const out = errorOutput(
      new CniError('CNI_IPAM_FAILED', 'no free address', { ipamdErrorCode: 'NO_AVAILABLE_ADDRESS', nested: { x: 1 } }),
      '0.4.0',
    );
    assert.equal(out.exitCode, 1);
    assert.deepEqual(JSON.parse(out.stdout), {
      cniVersion: '0.4.0',
      code: 11,
      msg: 'no free address',
      details: 'CNI_IPAM_FAILED; ipamdErrorCode=NO_AVAILABLE_ADDRESS',
    });
  });

  it('other layers keep their code; foreign errors are 999', () => {
    const rpc = new RpcError('RPC_VERSION_MISMATCH', 'versions differ');
    assert.equal((JSON.parse(errorOutput(rpc, '1.0.0').stdout) as { details: string }).details, 'RPC_VERSION_MISMATCH');
    assert.deepEqual(JSON.parse(errorOutput(new TypeError('boom'), '1.0.0').stdout), {
      cniVersion: '1.0.0',
      code: 999,
      msg: 'boom',
      details: 'CNI_INTERNAL',
    });
  });
});
