/**
 * "Did you mean" for instance-type names: typos (`m5.larg` → m5.large), truncations (`c6in.32` → c6in.32xlarge) and
 * made-up sizes of a real family (`m5.huge` → the m5 sizes, smallest first).
 */

const MAX_SUGGESTIONS = 10;
const SIZES = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'];

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitute, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Orders the sizes of one family from small to large: nano < ... < xlarge < 2xlarge < ... < 112xlarge, then the
 * metal variants; a size of any other shape sorts last.
 */
export function sizeRank(instanceType: string): number {
  const size = instanceType.slice(instanceType.indexOf('.') + 1);
  const named = SIZES.indexOf(size);
  if (named >= 0) return named;
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple !== null) return SIZES.length + Number(multiple[1]);
  if (size.startsWith('metal')) return 100_000 + Number(/(\d+)/.exec(size)?.[1] ?? 0);
  return 200_000;
}

function bySize(a: string, b: string): number {
  return sizeRank(a) - sizeRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Known types the user probably meant, best first, at most 10. Tries in turn: the same name in another case, names
 * within a small edit distance, names that start with the input, and finally every size of the input's family.
 * Returns an empty list when nothing is plausibly close.
 */
export function suggestInstanceTypes(input: string, known: readonly string[]): string[] {
  const wanted = input.trim().toLowerCase();
  if (wanted === '') return [];
  const found = new Set<string>();
  if (known.includes(wanted)) found.add(wanted);

  const threshold = wanted.length < 5 ? 1 : 2;
  known
    .map((name) => ({ name, distance: editDistance(wanted, name) }))
    .filter(({ distance }) => distance <= threshold)
    .sort((a, b) => a.distance - b.distance || bySize(a.name, b.name))
    .forEach(({ name }) => found.add(name));

  // A bare family name ('m5') means its sizes, not every family that starts with it (m5a, m5d, ...).
  const prefix = wanted.includes('.') ? wanted : `${wanted}.`;
  if (wanted.length >= 2) {
    known
      .filter((name) => name.startsWith(prefix))
      .sort(bySize)
      .forEach((name) => found.add(name));
  }

  if (found.size === 0) {
    const family = `${wanted.split('.')[0] ?? wanted}.`;
    known
      .filter((name) => name.startsWith(family))
      .sort(bySize)
      .forEach((name) => found.add(name));
  }
  return [...found].slice(0, MAX_SUGGESTIONS);
}
