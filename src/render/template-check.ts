/**
 * The rule that makes "no raw inventory value in a rendered file" structural: every
 * {{mustache}} in a template must call one of the format helpers (sh, unit, prop, xml, …),
 * block helpers are limited to the ones that only choose or repeat template text, and
 * partials and decorators are not allowed. Checked when a template is compiled — built-in
 * and inventory-local overrides alike — and by a unit test over every file in templates/.
 */
import type {} from 'handlebars'; // declares the global hbs.AST types

export interface TemplateProblem {
  line: number;
  column: number;
  message: string;
}

export const CONTROL_FLOW_BLOCKS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with']);

export function rawOutputProblems(program: hbs.AST.Program, formatHelpers: ReadonlySet<string>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const at = (node: hbs.AST.Node, message: string) => problems.push({ line: node.loc.start.line, column: node.loc.start.column + 1, message });
  const helperName = (p: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined =>
    p.type === 'PathExpression' && !(p as hbs.AST.PathExpression).data && (p as hbs.AST.PathExpression).parts.length === 1 ? (p as hbs.AST.PathExpression).original : undefined;
  const walk = (prog: hbs.AST.Program | undefined): void => {
    for (const node of prog?.body ?? []) {
      switch (node.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const m = node as hbs.AST.MustacheStatement;
          const name = helperName(m.path);
          if (!name || !formatHelpers.has(name)) at(node, `{{${sourceOf(m.path)}}} writes a value without escaping; use a format helper (${[...formatHelpers].join(', ')})`);
          else if (m.params.length === 0) at(node, `{{${name}}} needs a value`);
          break;
        }
        case 'BlockStatement': {
          const b = node as hbs.AST.BlockStatement;
          const name = helperName(b.path);
          if (!name || !CONTROL_FLOW_BLOCKS.has(name)) at(node, `{{#${sourceOf(b.path)}}} is not allowed; blocks may only be ${[...CONTROL_FLOW_BLOCKS].join(', ')}`);
          walk(b.program);
          walk(b.inverse);
          break;
        }
        default:
          at(node, `${node.type} is not allowed in zkk templates`);
      }
    }
  };
  walk(program);
  return problems;
}

function sourceOf(p: hbs.AST.PathExpression | hbs.AST.Literal): string {
  return p.type === 'PathExpression' ? (p as hbs.AST.PathExpression).original : String((p as hbs.AST.Literal & { value?: unknown }).value);
}
