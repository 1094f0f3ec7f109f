/**
 * DuckDB's Node packages, loaded with `require`. Both are CommonJS: imported as ESM, Node first lexes
 * @duckdb/node-api and every file it re-exports for their export names (cjs-module-lexer), about
 * 0.25 s of CPU at every process start before any command runs (docs/performance.md, Round 13c).
 * The classes and enums our code uses as values are re-exported here under their own names, each with
 * its type, so a module imports them from here as it would from the package; `import type` from the
 * package itself costs nothing at run time.
 */
import { createRequire } from 'node:module';
import type * as Api from '@duckdb/node-api';
import type Bindings from '@duckdb/node-bindings';

const load = createRequire(import.meta.url);
const api = load('@duckdb/node-api') as typeof Api;

/** The C API binding (data chunks and vectors written directly: chunk-writer.ts). */
export const duckdbBindings = load('@duckdb/node-bindings') as typeof Bindings;

export const { DuckDBInstance, DuckDBDataChunk, DuckDBDateValue, DuckDBDecimalType, DuckDBDecimalValue, DuckDBTimestampValue, DuckDBTypeId, StatementType } = api;
export type DuckDBInstance = Api.DuckDBInstance;
export type DuckDBDataChunk = Api.DuckDBDataChunk;
export type DuckDBDateValue = Api.DuckDBDateValue;
export type DuckDBDecimalType = Api.DuckDBDecimalType;
export type DuckDBDecimalValue = Api.DuckDBDecimalValue;
export type DuckDBTimestampValue = Api.DuckDBTimestampValue;
export type DuckDBTypeId = Api.DuckDBTypeId;
export type StatementType = Api.StatementType;
