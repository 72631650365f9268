// The output step of the generators (scripts/inline-assets.ts, scripts/gen-errors.ts).
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `path` unless the file already holds it: an unchanged file keeps its timestamp, so an incremental
 * build (tsc -b) has nothing new to compile.
 *
 * @example
 * writeIfChanged(fileURLToPath(new URL('../src/x.generated.ts', import.meta.url)), generated);
 */
export function writeIfChanged(path: string, text: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) writeFileSync(path, text);
}
