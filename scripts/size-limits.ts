/**
 * STYLE.md's size limits outside test/: files over 200 lines and functions (declarations, methods,
 * arrows, constructors, accessors) over 50 lines, counted from the first line of the signature to
 * the closing brace. A nested function counts in its parent too, as it does for a reader. Run by
 * `npm run lint:size` (scripts/lint-size.ts) and by test/unit/size-limits.test.ts.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import ts from 'typescript';

export const MAX_FILE_LINES = 200;
export const MAX_FUNCTION_LINES = 50;
const ROOTS = ['shared', 'worker', 'planner', 'broker', 'cli', 'bench', 'scripts'];

export interface Offender { readonly where: string; readonly what: string; readonly lines: number; readonly limit: number }

/** The checked sources of the checkout at `cwd` (tracked and new files, ignored ones left out). */
export function sourceFiles(cwd = process.cwd()): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...ROOTS], { encoding: 'utf8', cwd });
  // A file mid-merge is listed once per stage: count it once.
  return [...new Set(out.split('\n'))].filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (named.name && ts.isPrivateIdentifier(named.name)) return named.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);
}

/** Offenders in one source text; `file` names them. */
export function offendersIn(file: string, text: string): Offender[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const out: Offender[] = [];
  const fileLines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (fileLines > MAX_FILE_LINES) out.push({ where: file, what: 'file', lines: fileLines, limit: MAX_FILE_LINES });
  const visit = (node: ts.Node): void => {
    if (isFunction(node) && node.body) {
      const start = lineOf(node.getStart(sf)), lines = lineOf(node.getEnd()) - start + 1;
      if (lines > MAX_FUNCTION_LINES) out.push({ where: `${file}:${start}`, what: `function ${functionName(node)}`, lines, limit: MAX_FUNCTION_LINES });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every file and function over its limit. */
export function sizeOffenders(cwd = process.cwd()): Offender[] {
  return sourceFiles(cwd).flatMap((f) => offendersIn(f, readFileSync(join(cwd, f), 'utf8')));
}

export function formatOffender(o: Offender): string {
  return `${o.where}: ${o.what} has ${o.lines} lines (limit ${o.limit})`;
}
