/**
 * Reads EC2 Query parameters (`Action=...&Name.1=...&Filter.1.Value.2=...`) independent of their order, with
 * typed getters that raise EC2's own errors (MissingParameter, InvalidParameterValue) for bad input.
 *
 * @example
 * const p = Params.fromBody('Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1');
 * p.filters(); // [{ name: 'vpc-id', values: ['vpc-1'] }]
 */
import { Ec2Error, invalidParameterValue, missingParameter } from './errors.js';

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export class Params {
  readonly #values: ReadonlyMap<string, string>;
  readonly #prefix: string;

  private constructor(values: ReadonlyMap<string, string>, prefix: string) {
    this.#values = values;
    this.#prefix = prefix;
  }

  static fromBody(body: string): Params {
    const values = new Map<string, string>();
    for (const [key, value] of new URLSearchParams(body)) values.set(key, value);
    return new Params(values, '');
  }

  static fromRecord(record: Readonly<Record<string, string>>): Params {
    return new Params(new Map(Object.entries(record)), '');
  }

  /** The parameters under `Name.` (e.g. one list member), addressed relative to it. */
  scope(name: string): Params {
    return new Params(this.#values, `${this.#prefix}${name}.`);
  }

  has(name: string): boolean {
    const full = this.#prefix + name;
    if (this.#values.has(full)) return true;
    for (const key of this.#values.keys()) if (key.startsWith(`${full}.`)) return true;
    return false;
  }

  optString(name: string): string | undefined {
    return this.#values.get(this.#prefix + name);
  }

  string(name: string): string {
    const value = this.optString(name);
    if (value === undefined || value === '') throw missingParameter(this.#prefix + name);
    return value;
  }

  optInt(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const text = this.optString(name);
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text))
      throw invalidParameterValue(`Invalid value '${text}' for ${this.#prefix + name}. It must be an integer.`);
    const value = Number(text);
    if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
      const bounds = `${range.min ?? '-∞'} and ${range.max ?? '∞'}`;
      throw invalidParameterValue(
        `Value ( ${value} ) for parameter ${this.#prefix + name} is invalid. It must be between ${bounds}.`,
      );
    }
    return value;
  }

  int(name: string, range: { min?: number; max?: number } = {}): number {
    const value = this.optInt(name, range);
    if (value === undefined) throw missingParameter(this.#prefix + name);
    return value;
  }

  optBool(name: string): boolean | undefined {
    const text = this.optString(name);
    if (text === undefined) return undefined;
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw invalidParameterValue(`Invalid value '${text}' for ${this.#prefix + name}. It must be true or false.`);
  }

  /** Indices present under `Name.N` (1-based, gaps tolerated), ascending. */
  #indices(name: string): number[] {
    const head = `${this.#prefix}${name}.`;
    const found = new Set<number>();
    for (const key of this.#values.keys()) {
      if (!key.startsWith(head)) continue;
      const match = /^(\d+)(\.|$)/.exec(key.slice(head.length));
      if (match?.[1] !== undefined) found.add(Number(match[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  /** A flat list `Name.1`, `Name.2`, ... */
  list(name: string): string[] {
    return this.#indices(name).flatMap((i) => {
      const value = this.optString(`${name}.${i}`);
      return value === undefined ? [] : [value];
    });
  }

  /** A list of structures `Name.N.Member`, each as a scoped Params. */
  structList(name: string): Params[] {
    return this.#indices(name).map((i) => this.scope(`${name}.${i}`));
  }

  /** `Filter.N.Name` / `Filter.N.Value.M`. */
  filters(): Filter[] {
    return this.structList('Filter').map((f) => {
      const name = f.string('Name');
      return { name, values: f.list('Value') };
    });
  }

  /** `Tag.N.Key` / `Tag.N.Value` under this scope (a missing value is the empty string, as in EC2). */
  tags(name = 'Tag'): Tag[] {
    return this.structList(name).map((t) => ({ key: t.string('Key'), value: t.optString('Value') ?? '' }));
  }

  /** Tags of `TagSpecification.N` entries whose ResourceType is `resourceType`. */
  tagSpecifications(resourceType: string): Tag[] {
    const tags: Tag[] = [];
    for (const spec of this.structList('TagSpecification')) {
      const type = spec.optString('ResourceType');
      if (type !== resourceType) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
        );
      }
      tags.push(...spec.tags());
    }
    return tags;
  }
}
