/**
 * The LookML dashboard (a YAML file): headline numbers, requests by class over time, mitigations
 * by action and detector, verdicts by action, top subjects. Every field a tile names is checked
 * against the generated views, so a schema change that removes one fails generation.
 */
import type { BotsieveError } from '@botsieve/core';
import { sinkError } from '@botsieve/sinks';
import type { LookmlConfig } from './config.js';
import { queryableNames } from './lookml-text.js';
import type { TableViews } from './views.js';

type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml };

interface Tile {
  name: string;
  title: string;
  explore: 'traffic_1m' | 'verdicts';
  type: string;
  fields: string[];
  pivots?: string[];
  sorts?: string[];
  limit?: number;
  stacking?: string;
  row: number;
  col: number;
  width: number;
  height: number;
}

function tiles(traffic: string, verdicts: string): Tile[] {
  const mitigated = `${traffic}__mitigated_by`;
  const top = `${traffic}__top_subjects`;
  return [
    { name: 'total_requests', title: 'Requests', explore: 'traffic_1m', type: 'single_value', fields: [`${traffic}.total_requests`], row: 0, col: 0, width: 6, height: 4 },
    { name: 'mitigation_rate', title: 'Mitigation rate', explore: 'traffic_1m', type: 'single_value', fields: [`${traffic}.mitigation_rate`], row: 0, col: 6, width: 6, height: 4 },
    { name: 'subjects_with_verdicts', title: 'Subjects with verdicts', explore: 'verdicts', type: 'single_value', fields: [`${verdicts}.subject_count`], row: 0, col: 12, width: 6, height: 4 },
    { name: 'average_verdict_score', title: 'Average verdict score (1 = automated)', explore: 'verdicts', type: 'single_value', fields: [`${verdicts}.average_score`], row: 0, col: 18, width: 6, height: 4 },
    {
      name: 'requests_by_class',
      title: 'Requests by class over time',
      explore: 'traffic_1m',
      type: 'looker_area',
      fields: [`${traffic}.minute_hour`, `${traffic}.class`, `${traffic}.total_requests`],
      pivots: [`${traffic}.class`],
      sorts: [`${traffic}.minute_hour desc`],
      limit: 5000,
      stacking: 'normal',
      row: 4,
      col: 0,
      width: 24,
      height: 8,
    },
    {
      name: 'mitigations_by_action_and_detector',
      title: 'Mitigated requests by action and detector',
      explore: 'traffic_1m',
      type: 'looker_bar',
      fields: [`${mitigated}.detector`, `${mitigated}.action`, `${mitigated}.total_requests`],
      pivots: [`${mitigated}.action`],
      sorts: [`${mitigated}.detector`],
      limit: 500,
      stacking: 'normal',
      row: 12,
      col: 0,
      width: 12,
      height: 8,
    },
    {
      name: 'verdicts_by_action',
      title: 'Verdicts by action over time',
      explore: 'verdicts',
      type: 'looker_column',
      fields: [`${verdicts}.decided_at_hour`, `${verdicts}.action`, `${verdicts}.count`],
      pivots: [`${verdicts}.action`],
      sorts: [`${verdicts}.decided_at_hour desc`],
      limit: 5000,
      stacking: 'normal',
      row: 12,
      col: 12,
      width: 12,
      height: 8,
    },
    {
      name: 'top_subjects',
      title: 'Top subjects (space-saving estimates, summed over minutes)',
      explore: 'traffic_1m',
      type: 'looker_grid',
      fields: [`${top}.subject`, `${top}.action`, `${top}.total_requests`],
      sorts: [`${top}.total_requests desc`],
      limit: 50,
      row: 20,
      col: 0,
      width: 12,
      height: 10,
    },
    {
      name: 'verdicts_by_detector',
      title: 'Verdicts by top detector',
      explore: 'verdicts',
      type: 'looker_grid',
      fields: [`${verdicts}.top_detector`, `${verdicts}.action`, `${verdicts}.count`, `${verdicts}.average_score`],
      sorts: [`${verdicts}.count desc`],
      limit: 100,
      row: 20,
      col: 12,
      width: 12,
      height: 10,
    },
  ];
}

function schemaError(message: string): BotsieveError {
  return sinkError('ERR_SINK_SCHEMA', message);
}

/** Fields queryable in the explore of `views` (base and nested views). */
function exploreFields(views: TableViews): Set<string> {
  const names = new Set<string>();
  for (const view of [views.base, ...views.nested]) for (const name of queryableNames(view)) names.add(`${view.name}.${name}`);
  return names;
}

export function buildDashboard(tables: readonly TableViews[], config: LookmlConfig): Yaml {
  const byName = new Map(tables.map((views) => [views.table.name, views]));
  const traffic = byName.get('traffic_1m');
  const verdicts = byName.get('verdicts');
  if (traffic === undefined || verdicts === undefined) throw schemaError('the dashboard needs the tables traffic_1m and verdicts');
  const fields = { traffic_1m: exploreFields(traffic), verdicts: exploreFields(verdicts) };
  const trafficRange = `traffic_1m.${traffic.range_filter}`;
  const verdictsRange = `verdicts.${verdicts.range_filter}`;
  const listen = {
    traffic_1m: { date_range: trafficRange, host: 'traffic_1m.host' },
    verdicts: { date_range: verdictsRange },
  };
  for (const explore of ['traffic_1m', 'verdicts'] as const) {
    for (const field of Object.values(listen[explore])) if (!fields[explore].has(field)) throw schemaError(`dashboard filter field ${field} not in explore ${explore}`);
  }

  const elements: Yaml[] = tiles('traffic_1m', 'verdicts').map((tile) => {
    const known = fields[tile.explore];
    const referenced = [...tile.fields, ...(tile.pivots ?? []), ...(tile.sorts ?? []).map((sort) => sort.split(' ')[0] ?? '')];
    for (const field of referenced) if (!known.has(field)) throw schemaError(`dashboard tile ${tile.name}: field ${field} not in explore ${tile.explore}`);
    const element: Record<string, Yaml> = { name: tile.name, title: tile.title, model: config.model_name, explore: tile.explore, type: tile.type, fields: tile.fields };
    if (tile.pivots !== undefined) element.pivots = tile.pivots;
    if (tile.sorts !== undefined) element.sorts = tile.sorts;
    if (tile.limit !== undefined) element.limit = tile.limit;
    if (tile.stacking !== undefined) element.stacking = tile.stacking;
    element.listen = listen[tile.explore];
    Object.assign(element, { row: tile.row, col: tile.col, width: tile.width, height: tile.height });
    return element;
  });

  return [
    {
      dashboard: config.model_name,
      title: 'botsieve: bot traffic and verdicts',
      description: 'Generated from the BigQuery table schemas in sinks/schemas/bigquery (see dashboards/looker/README.md).',
      layout: 'newspaper',
      preferred_viewer: 'dashboards-next',
      filters: [
        { name: 'date_range', title: 'Date range', type: 'field_filter', default_value: config.default_time_range, allow_multiple_values: true, required: true, model: config.model_name, explore: 'traffic_1m', field: trafficRange },
        { name: 'host', title: 'Host', type: 'field_filter', default_value: '', allow_multiple_values: true, required: false, model: config.model_name, explore: 'traffic_1m', field: 'traffic_1m.host' },
      ],
      elements,
    },
  ];
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;
/** Plain scalars YAML 1.1 (js-yaml, Looker) would read as something other than a string. */
const AMBIGUOUS = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return PLAIN.test(value) && !AMBIGUOUS.test(value) ? value : JSON.stringify(value);
}

/** Block-style YAML for the dashboard: maps and sequences of scalars, flow style for scalar lists. */
export function toYaml(value: Yaml, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item !== 'object')) return `[${value.map((item) => scalar(item as string)).join(', ')}]`;
    return value.map((item) => `\n${indent}- ${toYaml(item, `${indent}  `).trimStart()}`).join('');
  }
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([key, item]) => {
        const rendered = toYaml(item, `${indent}  `);
        const nested = typeof item === 'object' && (!Array.isArray(item) || rendered.startsWith('\n'));
        return `\n${indent}${key}:${nested ? '' : ' '}${rendered}`;
      })
      .join('');
  }
  return scalar(value);
}
