/**
 * Fields the API sends that no column maps are kept, not dropped: each row's `extra` JSON holds them
 * (nested objects keep their shape), so a field Anthropic adds tomorrow is in the warehouse today and
 * can be promoted to a column later without re-reading history.
 */

/** The fields a row maps: `true` for a mapped value, a nested spec for a mapped object whose own unknown fields are extra. */
export interface FieldSpec {
  readonly [field: string]: true | FieldSpec;
}

type Loose = Record<string, unknown>;

/**
 * The non-null fields of `value` that `spec` does not map, or null when there are none. A null says
 * nothing (the API nulls every grouping field it was not asked for), so it is not kept.
 */
export function unmappedFields(value: Loose, spec: FieldSpec): Loose | null {
  let out: Loose | null = null;
  for (const key in value) {
    const v = value[key];
    if (v === null || v === undefined) continue;
    const s = spec[key];
    if (s === true) continue;
    if (s !== undefined && typeof v === 'object' && !Array.isArray(v)) {
      const inner = unmappedFields(v as Loose, s);
      if (inner) (out ??= {})[key] = inner;
      continue;
    }
    (out ??= {})[key] = v;
  }
  return out;
}

/** Numeric leaves of an `extra` object as dotted paths: the measures this version has no column for. */
export function numericLeaves(value: Loose, prefix = '', out: Array<[path: string, n: number]> = []): Array<[string, number]> {
  for (const key in value) {
    const v = value[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof v === 'number' && Number.isFinite(v)) out.push([path, v]);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) numericLeaves(v as Loose, path, out);
  }
  return out;
}

/** The `extra` column's value: the unmapped fields as JSON, or NULL when there are none. */
export function extraJson(extra: Loose | null): string | null {
  return extra === null ? null : JSON.stringify(extra);
}
