import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress, renderBar } from './progress.js';

function sink(isTTY: boolean): {
  text: () => string;
  stream: { isTTY: boolean; columns: number; write(t: string): void };
} {
  let out = '';
  return { text: () => out, stream: { isTTY, columns: 120, write: (t: string) => void (out += t) } };
}

describe('progress', () => {
  it('renders a bar', () => {
    assert.equal(renderBar(0, 4, 8), '[        ] 0/4');
    assert.equal(renderBar(2, 4, 8), '[===>    ] 2/4');
    assert.equal(renderBar(4, 4, 8), '[========] 4/4');
  });

  it('writes plain lines when not on a terminal', () => {
    const { text, stream } = sink(false);
    const step = createProgress(stream).step('creating pods', 2);
    step.update(1, 'web-0');
    step.log('web-0: 10.11.0.4');
    step.succeed('2 pods');
    assert.match(text(), /^… creating pods\n {2}web-0: 10\.11\.0\.4\n✓ creating pods: 2 pods \(\d+\.\d s\)\n$/);
  });

  it('redraws one line on a terminal and ends it with the outcome', () => {
    const { text, stream } = sink(true);
    const step = createProgress(stream).step('creating pods', 2);
    step.update(1, 'web-0');
    step.fail('1 of 2 pods failed');
    assert.ok(text().includes('\r\x1b[K'));
    assert.match(text(), /\[=+>? *\] 1\/2 creating pods web-0/);
    assert.match(text(), /✗ creating pods: 1 of 2 pods failed \(\d+\.\d s\)\n$/);
  });
});
