import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { silenceSdkNodeVersionWarning } from './warnings.js';

describe('silenceSdkNodeVersionWarning', () => {
  it('drops only the SDK Node-version notice', async () => {
    const seen: string[] = [];
    const listener = (warning: Error): void => {
      seen.push(warning.message);
    };
    process.on('warning', listener);
    try {
      silenceSdkNodeVersionWarning();
      process.emitWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) will require node >=22.');
      process.emitWarning('the notice again', 'NodeVersionSupportWarning');
      process.emitWarning('something else that matters');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, ['something else that matters']);
    } finally {
      process.off('warning', listener);
    }
  });
});
