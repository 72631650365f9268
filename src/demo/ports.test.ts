import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isVpcCniError } from '../errors.js';
import { checkPortsFree, demoPorts, listPorts, planPorts } from './ports.js';

describe('demo ports', () => {
  it('puts node 1 on the real ipamd ports and the others around them', () => {
    assert.deepEqual(demoPorts(61679, 3), {
      base: 61679,
      ec2: 61682,
      nodes: [
        { introspection: 61679, metrics: 61678 },
        { introspection: 61680, metrics: 61677 },
        { introspection: 61681, metrics: 61676 },
      ],
    });
  });

  it('picks distinct free ports for base 0', async () => {
    const plan = await planPorts(0, 3);
    const ports = listPorts(plan).map((p) => p.port);
    assert.equal(new Set(ports).size, 7);
    assert.ok(ports.every((p) => p > 0));
    await checkPortsFree(plan);
  });

  it('names a busy port, what it is for and how to move', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await assert.rejects(checkPortsFree(demoPorts(port, 3)), (error: unknown) => {
        assert.ok(isVpcCniError(error) && error.code === 'DEMO_PORT_BUSY');
        assert.match(
          error.message,
          new RegExp(`127\\.0\\.0\\.1:${port} \\(node 1's ipamd introspection API\\): EADDRINUSE`),
        );
        assert.match(error.message, /--base-port/);
        return true;
      });
    } finally {
      server.close();
    }
  });
});
