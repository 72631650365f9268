/**
 * The AWS SDK v3 warns on every process that it will need Node 22 from 2027 (`NodeVersionSupportWarning`). The
 * machines this project runs on have Node 20; the notice says nothing a user of vpc-cni can act on, so composition
 * roots drop exactly that warning and let every other warning through.
 */
const SILENCED = new Set(['NodeVersionSupportWarning']);
let installed = false;

export function silenceSdkNodeVersionWarning(): void {
  if (installed) return;
  installed = true;
  const original = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]): void => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    if (name !== undefined && SILENCED.has(name)) return;
    // The SDK passes no type: the name is the message's first word ("NodeVersionSupportWarning: The AWS SDK ...").
    const head = (warning instanceof Error ? warning.message : warning).split(':', 1)[0] ?? '';
    if (SILENCED.has(head)) return;
    (original as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  };
}
