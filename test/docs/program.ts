/**
 * Shared TypeScript-compiler helpers for the documentation tests: a program over the real sources
 * (with the repository's compiler options) that can also hold in-memory files, e.g. the README's
 * quick start checked as if it were an app importing `sealrtc`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** The repository's compiler options, plus `sealrtc/*` mapped onto the source entries. */
export function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  return {
    ...parsed.options,
    noEmit: true,
    baseUrl: ROOT,
    paths: {
      sealrtc: ['src/index.ts'],
      'sealrtc/sframe': ['src/sframe/index.ts'],
      'sealrtc/worker': ['src/worker.ts'],
      'sealrtc/relay': ['src/relay/index.ts'],
      'sealrtc/testing': ['src/testing/index.ts'],
    },
  };
}

/** A program over `roots`; `virtual` maps absolute paths to in-memory source text. */
export function createProgram(roots: string[], virtual: Record<string, string> = {}): ts.Program {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = virtual[resolve(name)];
    return text === undefined ? getSourceFile(name, lang, onError, create) : ts.createSourceFile(name, text, lang, true);
  };
  host.fileExists = (name) => virtual[resolve(name)] !== undefined || fileExists(name);
  host.readFile = (name) => virtual[resolve(name)] ?? readFile(name);
  return ts.createProgram({ rootNames: roots, options, host });
}

/** Human-readable diagnostics (file:line: message), one per line. */
export function formatDiagnostics(diags: readonly ts.Diagnostic[]): string {
  return diags
    .map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return msg;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${d.file.fileName.replace(`${ROOT}/`, '')}:${line + 1}: ${msg}`;
    })
    .join('\n');
}

/** Every `.ts` file under `src/` (what the source tree holds today). */
export function sourceFiles(): string[] {
  return ts.sys.readDirectory(join(ROOT, 'src'), ['.ts'], ['**/*.d.ts'], undefined).filter((f) => !f.endsWith('.d.ts'));
}

/** Reads a repository file as UTF-8. */
export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}
