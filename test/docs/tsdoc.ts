/**
 * The TSDoc rule of the public API, as a reusable check: every symbol a public entry exports
 * (aliases resolved to their declarations) has a JSDoc summary, and every exported function and
 * class also has an `@example`. Used by tsdoc.test.ts on the real entries and on a fixture.
 */
import ts from 'typescript';

/** The public entries (package.json `exports` → source). */
export const PUBLIC_ENTRIES = [
  'src/index.ts',
  'src/sframe/index.ts',
  'src/worker.ts',
  'src/relay/index.ts',
  'src/testing/index.ts',
] as const;

function needsExample(decl: ts.Declaration): boolean {
  return ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl);
}

/** Tags that mark a file's header comment (TypeScript attaches it to the first statement). */
const FILE_TAGS = new Set(['module', 'packageDocumentation']);

/** The JSDoc blocks that document `decl` itself (a file header above it does not count). */
function ownDocs(decl: ts.Declaration): ts.JSDoc[] {
  return ts
    .getJSDocCommentsAndTags(decl)
    .filter(ts.isJSDoc)
    .filter((doc) => !(doc.tags ?? []).some((t) => FILE_TAGS.has(t.tagName.text)));
}

function hasSummary(doc: ts.JSDoc): boolean {
  const text = typeof doc.comment === 'string' ? doc.comment : ts.getTextOfJSDocComment(doc.comment);
  return (text ?? '').trim() !== '';
}

/** What is wrong with the exports of `entryFile`, one line per offender ('' list when clean). */
export function undocumentedExports(program: ts.Program, entryFile: string): string[] {
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(entryFile);
  if (!sf) throw new Error(`${entryFile} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) throw new Error(`${entryFile} is not a module`);
  const problems: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = symbol.getDeclarations() ?? [];
    const docs = decls.flatMap(ownDocs);
    const summary = docs.some(hasSummary);
    const example = docs.some((doc) => (doc.tags ?? []).some((t) => t.tagName.text === 'example'));
    const where = decls[0] ? `${decls[0].getSourceFile().fileName.replace(/^.*?\/(src|test)\//, '$1/')}` : '?';
    const name = exported.getName() === symbol.getName() ? exported.getName() : `${exported.getName()} (${symbol.getName()})`;
    if (!summary) problems.push(`${name} [${where}]: no TSDoc summary`);
    if (decls.some(needsExample) && !example) problems.push(`${name} [${where}]: no @example`);
  }
  return problems;
}
