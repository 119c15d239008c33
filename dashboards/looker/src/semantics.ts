/**
 * What the columns mean, as data: which copy of a re-sent row a view keeps, how numbers
 * aggregate, which columns are counted distinct. The columns themselves (names, types,
 * descriptions) come from the schema files only; every column named here is checked against
 * them when the LookML is generated, so renaming a column fails generation instead of producing
 * a view that breaks in Looker.
 */

export interface KeepOrder {
  column: string;
  direction: 'ASC' | 'DESC';
}

export interface RatioMeasure {
  name: string;
  label: string;
  description: string;
  /** Columns whose totals are added in the numerator. */
  numerator: string[];
  /** Column whose total is the denominator (a zero total gives NULL, not an error). */
  denominator: string;
}

export interface TableSemantics {
  /**
   * Among the rows sharing an insert id, the first by this order is kept. Rows repeat an insert
   * id when the sink re-sends them (at-least-once delivery; BigQuery's insertId de-duplication is
   * best effort and lasts about a minute).
   */
  keep_first_by: KeepOrder[];
  /** How numeric columns aggregate: counters add up, scores average. */
  numeric_measure: 'sum' | 'average';
  /** Columns (in any view of the table) that get a count-distinct measure. */
  distinct_columns: string[];
  /** A column whose listed values each get a filtered count (`<value>_count`). */
  count_by?: { column: string; values: string[] };
  ratios: RatioMeasure[];
  /** Fields shown when drilling into the table's count (view field names). */
  drill_fields: string[];
  /** Label of the table's `count` measure. */
  count_label: string;
}

export const TABLE_SEMANTICS: Readonly<Record<string, TableSemantics>> = {
  verdicts: {
    // Copies of one verdict id carry the same decision (the id is derived from it): keep the first written.
    keep_first_by: [{ column: 'inserted_at', direction: 'ASC' }],
    numeric_measure: 'average',
    distinct_columns: ['subject'],
    count_by: { column: 'action', values: ['block', 'challenge', 'log'] },
    ratios: [],
    drill_fields: ['decided_at_time', 'subject', 'action', 'score', 'top_detector', 'ttl_seconds', 'region'],
    count_label: 'Verdicts',
  },
  traffic_1m: {
    // A row re-sent after late events reached its minute carries larger counts: the copy with the
    // most requests is the most complete one.
    keep_first_by: [
      { column: 'requests', direction: 'DESC' },
      { column: 'inserted_at', direction: 'DESC' },
    ],
    numeric_measure: 'sum',
    distinct_columns: ['subject'],
    ratios: [
      {
        name: 'mitigation_rate',
        label: 'Mitigation rate',
        description: 'Share of requests covered by an active block or challenge verdict (log verdicts do not mitigate).',
        numerator: ['blocked', 'challenged'],
        denominator: 'requests',
      },
    ],
    drill_fields: ['minute_time', 'host', 'class', 'source_partition', 'requests', 'blocked', 'challenged'],
    count_label: 'Rows (minute x host x class x partition)',
  },
};

/** For a table the semantics do not know yet: numbers add up and any copy of a row is kept. */
export const DEFAULT_SEMANTICS: Readonly<TableSemantics> = {
  keep_first_by: [],
  numeric_measure: 'sum',
  distinct_columns: [],
  ratios: [],
  drill_fields: [],
  count_label: 'Rows',
};

export function semanticsFor(table: string): TableSemantics {
  return TABLE_SEMANTICS[table] ?? DEFAULT_SEMANTICS;
}
