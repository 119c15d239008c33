/**
 * The model: one explore per table, its nested views joined with `LEFT JOIN UNNEST(...)`, and an
 * `always_filter` on the partition range so an explore never scans the whole table by default.
 */
import type { LookmlConfig } from './config.js';
import { bare, block, list, param, quote, renderParams, sql, str } from './lookml-text.js';
import type { LookmlParam } from './lookml-text.js';
import { humanise } from './views.js';
import type { TableViews } from './views.js';

export function renderModel(tables: readonly TableViews[], config: LookmlConfig): string {
  let out = `connection: ${quote(config.connection)}\n\n`;
  out += `include: ${quote('views/*.view.lkml')}\n`;
  out += `include: ${quote('*.dashboard.lookml')}\n`;
  for (const table of tables) out += '\n' + renderExplore(table, config);
  return out;
}

function renderExplore(views: TableViews, config: LookmlConfig): string {
  const { table } = views;
  const params: LookmlParam[] = [
    param('label', str(humanise(table.name))),
    param('description', str(table.description)),
    param('always_filter', block([param('filters', list([`${table.name}.${views.range_filter}: ${quote(config.default_time_range)}`]))])),
  ];
  let out = `explore: ${table.name} {\n${renderParams(params, '  ')}`;
  for (const join of views.joins) {
    const joinParams: LookmlParam[] = [
      param('view_label', str(humanise(join.view))),
      param('sql', sql(`LEFT JOIN UNNEST(\${${join.parent_view}.${join.parent_dimension}}) AS ${join.view} WITH OFFSET AS ${join.offset_alias}`)),
      param('relationship', bare('one_to_many')),
    ];
    if (join.parent_view !== table.name) joinParams.push(param('required_joins', list([join.parent_view])));
    out += `\n  join: ${join.view} {\n${renderParams(joinParams, '    ')}  }\n`;
  }
  return `${out}}\n`;
}
