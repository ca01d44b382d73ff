/**
 * The examples type-check against sealrtc's real public types (Vite only strips types, so a
 * renamed option or event would otherwise go unnoticed until a user tries it). Their runtime
 * behaviour is tested in Chromium by test/browser/examples.test.mjs.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, compilerOptions, formatDiagnostics } from './program.js';

const EXAMPLES = ['custom-signaling', 'node-relay', 'react'];

function exampleSources(): string[] {
  return EXAMPLES.flatMap((name) => ts.sys.readDirectory(join(ROOT, 'examples', name, 'src'), ['.ts', '.tsx']));
}

describe('examples type-check against the real API', () => {
  it('every example source file compiles (strict)', () => {
    const files = exampleSources();
    expect(files.length).toBeGreaterThanOrEqual(6);
    const program = ts.createProgram(files, { ...compilerOptions(), jsx: ts.JsxEmit.ReactJSX, types: [] });
    const mine = (d: ts.Diagnostic): boolean => !!d.file && d.file.fileName.includes('/examples/');
    const diags = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()].filter(mine);
    expect(formatDiagnostics(diags)).toBe('');
  }, 600_000);
});
