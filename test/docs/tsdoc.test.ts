/**
 * Every public export of sealrtc carries TSDoc: a summary on everything, and an `@example` on
 * functions and classes. The failure message lists each offender with its file. A fixture entry
 * with undocumented exports proves the check reports what it should.
 */
import { join } from 'node:path';
import type ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, createProgram } from './program.js';
import { PUBLIC_ENTRIES, undocumentedExports } from './tsdoc.js';

const FIXTURE = join(ROOT, 'test/docs/fixtures/undocumented.ts');

let program: ts.Program;
beforeAll(() => {
  program = createProgram([...PUBLIC_ENTRIES.map((e) => join(ROOT, e)), FIXTURE]);
}, 600_000);

describe('TSDoc on the public API', () => {
  for (const entry of PUBLIC_ENTRIES) {
    it(`${entry}: every export has a summary; functions and classes an @example`, () => {
      const problems = undocumentedExports(program, join(ROOT, entry));
      expect(problems, `exports without TSDoc:\n${problems.join('\n')}`).toEqual([]);
    });
  }

  it('the check reports each kind of offender (fixture)', () => {
    const problems = undocumentedExports(program, FIXTURE);
    expect(problems.sort()).toEqual(
      [
        'BareShape [test/docs/fixtures/undocumented.ts]: no TSDoc summary',
        'NoExample [test/docs/fixtures/undocumented.ts]: no @example',
        'noDocs [test/docs/fixtures/undocumented.ts]: no @example',
        'noDocs [test/docs/fixtures/undocumented.ts]: no TSDoc summary',
        'onlyExample [test/docs/fixtures/undocumented.ts]: no TSDoc summary',
        'renamedNoDocs (noDocs) [test/docs/fixtures/undocumented.ts]: no @example',
        'renamedNoDocs (noDocs) [test/docs/fixtures/undocumented.ts]: no TSDoc summary',
      ].sort(),
    );
  });
});
