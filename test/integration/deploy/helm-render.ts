// A small Go-template evaluator for this repository's Helm chart, because helm is neither in Debian bookworm nor in
// an npm package. It implements only what deploy/helm/vpc-cni uses, with Go's and Helm's semantics for those parts
// (`{{-`/`-}}` trimming, Go truthiness, map ranges in key order, pipelines passing the value last, toYaml without its
// final newline); anything else (an unknown function, `template`, `else if`, a `%d` in printf, ...) throws rather
// than rendering something helm would not. Rendered documents are compared as parsed YAML, not as text.
import { stringify } from 'yaml';

type Scope = { dot: unknown; vars: Map<string, unknown> };
type Node = string | { kind: 'action'; expr: string } | Block;
type Block = { kind: 'if' | 'with' | 'range' | 'define'; expr: string; body: Node[]; otherwise: Node[] };

const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === '') &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** Splits a template into text and actions, applying `{{-` / `-}}` whitespace trimming. */
function lex(src: string): (string | { action: string })[] {
  const out: (string | { action: string })[] = [];
  let rest = src;
  let trimNext = false;
  for (let open = rest.indexOf('{{'); open >= 0; open = rest.indexOf('{{')) {
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new Error('unclosed {{');
    let [text, inner] = [rest.slice(0, open), rest.slice(open + 2, close)];
    if (trimNext) text = text.trimStart();
    if (inner.startsWith('- ')) [text, inner] = [text.trimEnd(), inner.slice(2)];
    trimNext = inner.endsWith(' -');
    out.push(text, { action: (trimNext ? inner.slice(0, -2) : inner).trim() });
    rest = rest.slice(close + 2);
  }
  out.push(trimNext ? rest.trimStart() : rest);
  return out;
}

function parse(items: (string | { action: string })[], defines: Map<string, Node[]>): Node[] {
  const root: Node[] = [];
  const stack: { block: Block | undefined; nodes: Node[] }[] = [{ block: undefined, nodes: root }];
  for (const item of items) {
    const top = stack[stack.length - 1] as { block: Block | undefined; nodes: Node[] };
    if (typeof item === 'string') top.nodes.push(item);
    else if (item.action.startsWith('/*')) continue;
    else if (/^(if|with|range|define) /.test(item.action)) {
      const [kind, ...expr] = item.action.split(' ');
      const block: Block = { kind: kind as Block['kind'], expr: expr.join(' '), body: [], otherwise: [] };
      top.nodes.push(block);
      stack.push({ block, nodes: block.body });
    } else if (item.action === 'else' && top.block !== undefined) top.nodes = top.block.otherwise;
    else if (item.action === 'end' && top.block !== undefined) {
      stack.pop();
      if (top.block.kind === 'define') defines.set(JSON.parse(top.block.expr) as string, top.block.body);
    } else if (/^(else|end|template|block)\b/.test(item.action)) throw new Error(`unsupported: {{ ${item.action} }}`);
    else top.nodes.push({ kind: 'action', expr: item.action });
  }
  if (stack.length !== 1) throw new Error('unbalanced {{ end }}');
  return root;
}

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|\(|\)|\||:=|,|[^\s()|,]+)/y;

/** Evaluates a pipeline (`a b | c d`) or a parenthesised one. */
function evaluate(expr: string, scope: Scope, chart: Chart): unknown {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(expr); m !== null && m[1] !== undefined; m = TOKEN.exec(expr)) tokens.push(m[1]);
  let pos = 0;
  const pipeline = (): unknown => {
    let value: unknown;
    let first = true;
    for (;;) {
      const args: unknown[] = [];
      let name: string | undefined;
      while (pos < tokens.length && tokens[pos] !== '|' && tokens[pos] !== ')') {
        const t = tokens[pos++] as string;
        if (name === undefined && /^[a-zA-Z]\w*$/.test(t) && !/^(true|false)$/.test(t)) name = t;
        else if (t !== '(') args.push(operand(t, scope));
        else {
          args.push(pipeline());
          if (tokens[pos++] !== ')') throw new Error(`unbalanced ( in ${expr}`);
        }
      }
      if (!first) args.push(value);
      value = name === undefined ? args[0] : call(name, args, chart);
      first = false;
      if (tokens[pos] !== '|') return value;
      pos += 1;
    }
  };
  return pipeline();
}

function operand(t: string, scope: Scope): unknown {
  if (t.startsWith('"')) return JSON.parse(t) as string;
  if (/^-?\d+$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  const [head = '', ...path] = t.split('.');
  let v: unknown = head === '' ? scope.dot : scope.vars.get(head);
  if (head !== '' && !scope.vars.has(head)) throw new Error(`unknown variable ${head}`);
  for (const key of path.filter((k) => k !== '')) v = (v as Record<string, unknown> | undefined)?.[key];
  return v;
}

function call(name: string, a: unknown[], chart: Chart): unknown {
  const fns: Record<string, () => unknown> = {
    include: () => chart.include(a[0] as string, a[1]),
    default: () => (truthy(a[1]) ? a[1] : a[0]),
    trunc: () => str(a[1]).slice(0, a[0] as number),
    trimSuffix: () => (str(a[1]).endsWith(str(a[0])) ? str(a[1]).slice(0, -str(a[0]).length) : a[1]),
    quote: () => JSON.stringify(str(a[0])),
    printf: () => str(a[0]).replace(/%([sv%])/g, (_, c: string) => (c === '%' ? '%' : str(a.splice(1, 1)[0]))),
    toYaml: () => stringify(a[0]).replace(/\n$/, ''),
    nindent: () => `\n${str(a[1]).replace(/^/gm, ' '.repeat(a[0] as number))}`,
    required: () => (truthy(a[1]) ? a[1] : chart.fail(str(a[0]))),
    or: () => a.find(truthy) ?? a.at(-1),
    ne: () => a[0] !== a[1],
  };
  const fn = fns[name];
  if (fn === undefined || (name === 'printf' && /%[^sv%]/.test(str(a[0])))) throw new Error(`unsupported: ${name}`);
  return fn();
}

export interface Chart {
  include(name: string, dot: unknown): string;
  fail(message: string): never;
}

/** Renders every template (not `_*.tpl`, not NOTES.txt) of a chart: file name → rendered text. */
export function renderChart(templates: Record<string, string>, root: Record<string, unknown>): Record<string, string> {
  const defines = new Map<string, Node[]>();
  const trees = Object.entries(templates).map(([file, text]): [string, Node[]] => [file, parse(lex(text), defines)]);
  const run = (nodes: Node[], scope: Scope): string =>
    nodes
      .map((node) => {
        if (typeof node === 'string') return node;
        if (node.kind === 'action') return str(evaluate(node.expr, scope, chart));
        if (node.kind === 'define') return '';
        const range = /^(?:(\$\w+), (\$\w+) := )?(.*)$/.exec(node.expr) as RegExpExecArray;
        const value = evaluate(node.kind === 'range' ? (range[3] as string) : node.expr, scope, chart);
        if (!truthy(value)) return run(node.otherwise, scope);
        if (node.kind === 'if') return run(node.body, scope);
        if (node.kind === 'with') return run(node.body, { dot: value, vars: scope.vars });
        const entries = Array.isArray(value)
          ? value.map((v, i): [unknown, unknown] => [i, v])
          : Object.keys(value as object).sort().map((k): [unknown, unknown] => [k, (value as Record<string, unknown>)[k]]);
        return entries
          .map(([k, v]) => {
            const vars = new Map(scope.vars);
            if (range[1] !== undefined) vars.set(range[1], k).set(range[2] as string, v);
            return run(node.body, { dot: v, vars });
          })
          .join('');
      })
      .join('');
  const chart: Chart = {
    include: (name, dot) => run(defines.get(name) ?? chart.fail(`no template ${name}`), { dot, vars: new Map([['$', dot]]) }),
    fail: (message) => {
      throw new Error(`render failed: ${message}`);
    },
  };
  return Object.fromEntries(
    trees
      .filter(([file]) => !file.startsWith('_') && file !== 'NOTES.txt')
      .map(([file, nodes]) => [file, run(nodes, { dot: root, vars: new Map([['$', root]]) })]),
  );
}
