/**
 * The README must not lie: its quick start compiles against the real public types (as an app that
 * imports `sealrtc` would), and its error-code table lists exactly the codes the `SealError`
 * subclasses in `src/` can carry — no missing code, no invented one.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, createProgram, formatDiagnostics, readRepoFile, sourceFiles } from './program.js';

const README = readRepoFile('README.md');

/** The fenced block that follows `<!-- marker -->` in the README. */
function blockAfter(text: string, marker: string): string {
  const at = text.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`README has no <!-- ${marker} --> marker`);
  const m = /```ts\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!m?.[1]) throw new Error(`no \`\`\`ts block after <!-- ${marker} -->`);
  return m[1];
}

/** The app-side helpers the quick start calls (its UI), declared for the type check. */
const UI_DECLARATIONS = `
declare function videoFor(id: string): HTMLVideoElement;
declare function label(id: string, text: string): void;
declare function badge(id: string, state: import('sealrtc').E2EEState): void;
`;

const QUICKSTART = blockAfter(README, 'quickstart');
/** The quick start as written, and two broken copies that the check must reject. */
const VARIANTS = {
  real: QUICKSTART,
  badOption: QUICKSTART.replace('joinRoom({', 'joinRoom({ videoCodec: "vp8",'),
  badName: QUICKSTART.replaceAll('formatSafetyNumber', 'formatSafetyCode'),
};
const UI_FILE = join(ROOT, 'test/docs/__quickstart-ui__.d.ts');
const fileOf = (variant: string): string => join(ROOT, `test/docs/__quickstart-${variant}__.ts`);

// One program (the whole source tree plus the in-memory app files) serves every test here:
// building it is the slow part.
let program: ts.Program;
beforeAll(() => {
  const virtual: Record<string, string> = { [UI_FILE]: UI_DECLARATIONS };
  for (const [variant, code] of Object.entries(VARIANTS)) virtual[fileOf(variant)] = code;
  program = createProgram([...sourceFiles(), ...Object.keys(virtual)], virtual);
}, 600_000);

/** Diagnostics of one in-memory app file (and the UI declarations), as text; '' when clean. */
function typecheckApp(variant: keyof typeof VARIANTS): string {
  const file = fileOf(variant);
  const diags = [UI_FILE, file].flatMap((f) => {
    const sf = program.getSourceFile(f);
    if (!sf) throw new Error(`${f} is not in the program`);
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  });
  return formatDiagnostics(diags);
}

describe('README quick start', () => {
  const code = QUICKSTART;

  it('is about twenty lines of real code', () => {
    const lines = code.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('//'));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(25);
    for (const name of ['createIdentity', 'WebSocketSignaling.connect', 'joinRoom', "'track'", 'safetyNumber']) {
      expect(code, name).toContain(name);
    }
  });

  it('type-checks against the real sealrtc types', () => {
    expect(typecheckApp('real')).toBe('');
  }, 300_000);

  it('the check fails when the code uses a name or option the API lacks', () => {
    expect(typecheckApp('badOption')).toMatch(/videoCodec/);
    expect(typecheckApp('badName')).toMatch(/formatSafetyCode/);
  }, 300_000);
});

// ---- error codes -----------------------------------------------------------------------------

/** Class name → codes, for every class in `src/` that extends `SealError<…>`. */
function codesInSource(): Map<string, Set<string>> {
  const checker = program.getTypeChecker();
  const out = new Map<string, Set<string>>();
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(join(ROOT, 'src/'))) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name) {
        for (const clause of node.heritageClauses ?? []) {
          for (const t of clause.types) {
            if (t.expression.getText(sf) !== 'SealError') continue;
            const arg = t.typeArguments?.[0];
            if (!arg) throw new Error(`${node.name.text} extends SealError without a code type`);
            const type = checker.getTypeFromTypeNode(arg);
            const parts = type.isUnion() ? type.types : [type];
            const codes = new Set<string>();
            for (const p of parts) {
              if (!p.isStringLiteral()) throw new Error(`${node.name.text}: a code that is not a string literal`);
              codes.add(p.value);
            }
            out.set(node.name.text, codes);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

/** Class name → codes, from the README table after `<!-- error-codes -->`. */
function codesInTable(text: string): Map<string, Set<string>> {
  const at = text.indexOf('<!-- error-codes -->');
  if (at < 0) throw new Error('README has no <!-- error-codes --> marker');
  const out = new Map<string, Set<string>>();
  let current = '';
  for (const line of text.slice(at).split('\n').slice(1)) {
    if (!line.startsWith('|')) {
      if (out.size > 0) break;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'Class (entry)' || /^-+$/.test(cells[0] ?? '')) continue;
    const cls = /^`(\w+)`/.exec(cells[0] ?? '')?.[1];
    if (cls) current = cls;
    const code = /^`([a-z0-9-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!current || !code) throw new Error(`unreadable error-code row: ${line}`);
    const set = out.get(current) ?? new Set<string>();
    if (set.has(code)) throw new Error(`${current} lists ${code} twice`);
    out.set(current, set.add(code));
  }
  return out;
}

/** Differences between source and table, one line each ('' when they agree). */
function compare(source: Map<string, Set<string>>, table: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const [cls, codes] of source) {
    const listed = table.get(cls);
    if (!listed) problems.push(`${cls}: missing from the README table`);
    for (const c of codes) if (listed && !listed.has(c)) problems.push(`${cls}: '${c}' missing from the README table`);
  }
  for (const [cls, codes] of table) {
    const real = source.get(cls);
    if (!real) problems.push(`${cls}: in the README table but no such SealError subclass in src/`);
    for (const c of codes) if (real && !real.has(c)) problems.push(`${cls}: README lists '${c}', which src/ does not have`);
  }
  return problems;
}

describe('README error-code table', () => {
  let source: Map<string, Set<string>>;
  beforeAll(() => {
    source = codesInSource();
  });

  it('finds the error families in src/ (the scan works)', () => {
    expect(source.get('RoomError')?.has('e2ee-unsupported')).toBe(true);
    expect(source.get('SFrameError')?.has('auth-failed')).toBe(true);
    expect(source.size).toBeGreaterThanOrEqual(10);
  });

  it('lists exactly the codes of every SealError subclass in src/', () => {
    expect(compare(source, codesInTable(README))).toEqual([]);
  });

  it('reports an invented code, a missing code and an unknown class', () => {
    const tampered = README.replace('| | `room-closed` |', '| | `room-exploded` |').replace(
      /^\| `RoomError`/m,
      '| `GhostError` (sealrtc) | `boo` | none |\n| `RoomError`',
    );
    const problems = compare(source, codesInTable(tampered));
    expect(problems).toContain("RoomError: 'room-closed' missing from the README table");
    expect(problems).toContain("RoomError: README lists 'room-exploded', which src/ does not have");
    expect(problems).toContain('GhostError: in the README table but no such SealError subclass in src/');
  });
});

// ---- links -----------------------------------------------------------------------------------

/** Relative link targets in markdown `text` (a file in `dir`) that do not exist; URLs and anchors are skipped. */
function brokenLinksIn(text: string, dir: string): string[] {
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (m[1] ?? '').split('#')[0] ?? '';
    if (target === '' || /^[a-z]+:/i.test(target)) continue;
    if (!existsSync(resolve(dir, target))) broken.push(m[1] ?? '');
  }
  return broken;
}

const brokenLinks = (file: string): string[] =>
  brokenLinksIn(readRepoFile(file), dirname(join(ROOT, file))).map((l) => `${file}: ${l}`);

describe('documentation links', () => {
  const files = [
    'README.md',
    'docs/README.md',
    'docs/security.md',
    'examples/custom-signaling/README.md',
    'examples/node-relay/README.md',
    'examples/react/README.md',
  ];

  it('every relative link in the README, the guide index, security.md and the example READMEs resolves', () => {
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it('the link check notices a missing target and skips URLs and anchors', () => {
    const text = 'see [a](docs/nowhere.md), [b](docs/security.md#known-limits), [c](https://example.org/x), [d](#top)';
    expect(brokenLinksIn(text, ROOT)).toEqual(['docs/nowhere.md']);
  });
});
