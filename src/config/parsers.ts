/**
 * Text parsers for environment variables, compatible with the Go functions the reference uses (strconv.ParseBool,
 * strconv.Atoi), and the zod building blocks the schema is made of. A parser never falls back to a default: it
 * returns the value or says what it expected.
 *
 * @example
 * parseGoBool('True'); // true
 * parseGoBool('yes'); // undefined (Go rejects it too)
 * parseBase10Int('+42'); // 42
 * integer(0, 0).safeParse('-1').success; // false: "expected an integer ≥ 0"
 */
import { z } from 'zod';

/** The outcome of parsing one variable: the value, or what was expected instead. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(expected: string): Parsed<never> {
  return { ok: false, expected };
}

/** A zod schema for one environment variable: its text (`undefined` when unset) in, the typed value out. */
export type EnvSchema<T> = z.ZodType<T, string | undefined>;

/**
 * Wraps a text parser into an {@link EnvSchema}. An unset variable yields `whenUnset`; a failed parse adds one issue
 * whose message is the parser's `expected` text (the loader prefixes it with the variable name and value).
 */
export function envVar<T>(whenUnset: T, parse: (text: string) => Parsed<T>): EnvSchema<T> {
  return z
    .string({ error: 'expected a string' })
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return whenUnset;
      const result = parse(text);
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: result.expected, input: text });
      return z.NEVER;
    });
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Go's strconv.ParseBool: exactly the twelve spellings it accepts, else `undefined`.
 *
 * @example
 * parseGoBool('T'); // true
 * parseGoBool('tRUE'); // undefined
 */
export function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  return undefined;
}

/**
 * Go's strconv.Atoi restricted to safe integers: optional sign, base-10 digits, no spaces; else `undefined`.
 *
 * @example
 * parseBase10Int('007'); // 7
 * parseBase10Int('0x10'); // undefined
 */
export function parseBase10Int(text: string): number | undefined {
  if (!/^[+-]?\d{1,20}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value + 0 : undefined; // `+ 0` turns -0 into 0
}

export const BOOL_EXPECTED = 'expected a boolean: true, false, 1, 0, t, f, T, F, TRUE, FALSE, True or False';

export function bool(whenUnset: boolean): EnvSchema<boolean> {
  return envVar(whenUnset, (text) => {
    const value = parseGoBool(text);
    return value === undefined ? fail(BOOL_EXPECTED) : ok(value);
  });
}

/** A boolean whose "unset" is kept distinct (`undefined`), for rules that depend on whether the user chose. */
export function optionalBool(): EnvSchema<boolean | undefined> {
  return envVar<boolean | undefined>(undefined, (text) => {
    const value = parseGoBool(text);
    return value === undefined ? fail(BOOL_EXPECTED) : ok(value);
  });
}

/** Parses an integer in [min, max]; the message states the range (or just `≥ min` when there is no real maximum). */
export function parseInteger(text: string, min: number, max = Number.MAX_SAFE_INTEGER, hint = ''): Parsed<number> {
  const value = parseBase10Int(text);
  if (value !== undefined && value >= min && value <= max) return ok(value);
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
  return fail(`expected an integer ${range}${hint}`);
}

export function integer(whenUnset: number, min: number, max = Number.MAX_SAFE_INTEGER): EnvSchema<number> {
  return envVar(whenUnset, (text) => parseInteger(text, min, max));
}

/** The longest duration Node timers honour (2^31 - 1 ms), in whole seconds. */
export const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

/** Whole seconds in the environment, milliseconds in the config. */
export function seconds(whenUnsetSeconds: number, minSeconds: number): EnvSchema<number> {
  return envVar(whenUnsetSeconds * 1000, (text) => {
    const value = parseBase10Int(text);
    if (value !== undefined && value >= minSeconds && value <= MAX_TIMER_SECONDS) return ok(value * 1000);
    return fail(`expected an integer number of seconds from ${minSeconds} to ${MAX_TIMER_SECONDS}`);
  });
}

/** One of a fixed set of words; `ignoreCase` maps any spelling to the listed (canonical) one. */
export function parseChoice<const T extends string>(values: readonly T[], text: string, ignoreCase = false): Parsed<T> {
  const key = ignoreCase ? text.toLowerCase() : text;
  const found = values.find((v) => (ignoreCase ? v.toLowerCase() : v) === key);
  return found === undefined
    ? fail(`expected one of ${values.join(', ')}${ignoreCase ? ' (any case)' : ''}`)
    : ok(found);
}

export function choice<const T extends string>(
  values: readonly T[],
  whenUnset: T,
  options: { readonly ignoreCase?: boolean } = {},
): EnvSchema<T> {
  return envVar(whenUnset, (text) => parseChoice(values, text, options.ignoreCase === true));
}

/** Free text checked against a pattern and a length limit; `undefined` when unset. */
export function text(pattern: RegExp, maxLength: number, expected: string): EnvSchema<string | undefined> {
  return envVar<string | undefined>(undefined, (value) =>
    value.length <= maxLength && pattern.test(value) ? ok(value) : fail(expected),
  );
}

/** Accepts any value, for deprecated variables that are read only to warn about them. */
export function ignored(): EnvSchema<string | undefined> {
  return envVar<string | undefined>(undefined, (value) => ok(value));
}

/**
 * Renders a user-supplied value for an error message: quoted, control, invisible and unpaired surrogate characters
 * escaped, and cut after 80 characters (counting code points, so surrogate pairs are never split).
 */
export function showValue(value: string): string {
  const chars = Array.from(value);
  const head = chars.length > 80 ? `${chars.slice(0, 80).join('')}…(${chars.length} characters)` : value;
  const escaped = head.replace(
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `'${escaped}'`;
}
