// DuckDB in process (@duckdb/node-api) for the columnar tests: the Parquet reader people use.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export class Duck {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  static async open(): Promise<Duck> {
    const instance = await DuckDBInstance.create(':memory:');
    return new Duck(instance, await instance.connect());
  }

  /** The rows of a query as plain objects, integers as numbers (the tests' sums fit in 2^53). */
  async rows(sql: string): Promise<Array<Record<string, number | string | null>>> {
    const result = await this.#connection.runAndReadAll(sql);
    return result
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            typeof v === 'bigint'
              ? Number(v)
              : v === null || typeof v === 'number' || typeof v === 'string'
                ? v
                : String(v),
          ]),
        ),
      );
  }

  async one(sql: string): Promise<Record<string, number | string | null>> {
    const rows = await this.rows(sql);
    if (rows.length !== 1) throw new Error(`expected one row from ${sql}, got ${rows.length}`);
    return rows[0]!;
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/** A path as a SQL string literal. */
export function sqlPath(path: string): string {
  return `'${path.replace(/'/g, "''")}'`;
}
