/**
 * The custom-networking workflow's world: the embedded VPC (`eksworkshop`, no data plane: the workflow only talks
 * to the EC2 API) and `vpc-cni` run in-process through `main(argv, io)` with captured streams.
 *
 * @example
 * const world = await startWorld();
 * const { code, stdout } = await world.run('plan', '--cluster', 'eksworkshop');
 * await world.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { systemClock } from '../../../src/obs/clock.js';
import { startSim, type RunningSim } from '../../../src/sim/index.js';

// The SDK signs requests even to the embedded VPC, which accepts any credentials; never use real ones here.
process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
process.env['AWS_SECRET_ACCESS_KEY'] = 'secret';
delete process.env['AWS_SESSION_TOKEN'];
delete process.env['AWS_PROFILE'];
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

/** Fixtures live in the source tree (build/spec/test/integration/custom-networking/ → test/integration/...). */
export const FIXTURES = new URL('../../../../../test/integration/custom-networking/fixtures/', import.meta.url)
  .pathname;

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface World {
  readonly sim: RunningSim;
  /** A fresh temporary directory, removed by close(). */
  readonly dir: string;
  /** `vpc-cni custom-networking ARGS... --endpoint-url SIM --region ap-northeast-2`. */
  run(...args: string[]): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startWorld(options: { cidrAssociationDelayMs?: number } = {}): Promise<World> {
  const sim = await startSim({
    scenario: 'eksworkshop',
    host: '127.0.0.1',
    port: 0,
    clock: systemClock,
    cidrAssociationDelayMs: options.cidrAssociationDelayMs ?? 200,
    throttle: { enabled: false },
  });
  const dir = await mkdtemp(join(tmpdir(), 'vcni-cn-'));
  return {
    sim,
    dir,
    run: async (...args) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
      const code = await main(
        ['custom-networking', ...args, '--endpoint-url', sim.ec2Url, '--region', sim.store.region],
        io,
      );
      return { code, stdout, stderr };
    },
    close: async () => {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
