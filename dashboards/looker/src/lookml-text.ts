/**
 * A small LookML writer: views, fields and explores are built as data (so their field names can
 * be checked before anything is written) and rendered here with one formatting, so a regeneration
 * only changes what the schemas changed.
 */

export type ParamValue =
  | { kind: 'string'; text: string }
  | { kind: 'sql'; text: string }
  | { kind: 'bare'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'block'; params: LookmlParam[] };

export interface LookmlParam {
  key: string;
  value: ParamValue;
}

export type FieldKind = 'dimension' | 'dimension_group' | 'measure' | 'filter';

export interface FieldSpec {
  kind: FieldKind;
  name: string;
  params: LookmlParam[];
  /** Timeframes of a `type: time` dimension group: the queryable fields are `<name>_<timeframe>`. */
  timeframes: string[];
}

export interface ViewSpec {
  name: string;
  /** `#` comment lines above the view. */
  comment: string[];
  params: LookmlParam[];
  fields: FieldSpec[];
}

export const str = (text: string): ParamValue => ({ kind: 'string', text });
export const sql = (text: string): ParamValue => ({ kind: 'sql', text });
export const bare = (text: string): ParamValue => ({ kind: 'bare', text });
export const list = (items: string[]): ParamValue => ({ kind: 'list', items });
export const block = (params: LookmlParam[]): ParamValue => ({ kind: 'block', params });
export const param = (key: string, value: ParamValue): LookmlParam => ({ key, value });

/** A LookML double-quoted string: backslashes and quotes escaped, newlines folded to spaces. */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\s*\n\s*/g, ' ')}"`;
}

/** A BigQuery quoted identifier (column names may be reserved words such as `class` or `range`). */
export function ident(name: string): string {
  return `\`${name}\``;
}

/** Names a view exposes to explores, dashboards and drills. */
export function queryableNames(view: ViewSpec): string[] {
  const names: string[] = [];
  for (const field of view.fields) {
    if (field.kind === 'dimension_group') for (const timeframe of field.timeframes) names.push(`${field.name}_${timeframe}`);
    else names.push(field.name);
  }
  return names;
}

export function renderParams(params: readonly LookmlParam[], indent: string): string {
  let out = '';
  for (const { key, value } of params) {
    const rendered = renderValue(value, indent);
    out += `${indent}${key}:${rendered.startsWith('\n') ? '' : ' '}${rendered}\n`;
  }
  return out;
}

function renderValue(value: ParamValue, indent: string): string {
  switch (value.kind) {
    case 'string':
      return quote(value.text);
    case 'bare':
      return value.text;
    case 'list':
      return `[${value.items.join(', ')}]`;
    case 'sql': {
      const lines = value.text.split('\n');
      if (lines.length === 1) return `${value.text} ;;`;
      const inner = `${indent}  `;
      return `\n${lines.map((line) => (line === '' ? '' : inner + line)).join('\n')} ;;`;
    }
    case 'block':
      return `{\n${renderParams(value.params, `${indent}  `)}${indent}}`;
  }
}

export function renderField(field: FieldSpec, indent: string): string {
  return `${indent}${field.kind}: ${field.name} {\n${renderParams(field.params, `${indent}  `)}${indent}}\n`;
}

export function renderView(view: ViewSpec): string {
  let out = view.comment.map((line) => `# ${line}`.trimEnd() + '\n').join('');
  out += `view: ${view.name} {\n`;
  const sections = view.params.length > 0 ? [renderParams(view.params, '  ')] : [];
  for (const field of view.fields) sections.push(renderField(field, '  '));
  return `${out}${sections.join('\n')}}\n`;
}
