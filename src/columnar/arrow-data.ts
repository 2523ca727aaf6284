// Arrow Data from the typed arrays the builders fill: numbers as they lie (no copy, no boxing),
// nulls as a validity bitmap, strings through apache-arrow's own UTF-8 builder.

import { Bool, Utf8, makeData, vectorFromArray, type Data, type DataType } from 'apache-arrow';

/** A validity bitmap (bit i set: row i has a value), as the Arrow format lays it out: LSB first. */
export class Validity {
  readonly bits: Uint8Array;
  nulls = 0;

  constructor(capacity: number) {
    this.bits = new Uint8Array((capacity + 7) >>> 3);
  }

  set(i: number, valid: boolean): void {
    if (valid) this.bits[i >>> 3]! |= 1 << (i & 7);
    else this.nulls++;
  }
}

/** `length` values of a fixed-width column; nullable columns pass their Validity. */
export function numbers<T extends DataType>(
  type: T,
  values: T['TArray'],
  length: number,
  validity?: Validity,
): Data<T> {
  const data = values.subarray(0, length) as T['TArray'];
  // makeData's overloads are per concrete type; this one generic path stands for the numeric ones.
  const props =
    validity === undefined || validity.nulls === 0
      ? { type, length, data, nullCount: 0 }
      : { type, length, data, nullCount: validity.nulls, nullBitmap: validity.bits.subarray(0, (length + 7) >>> 3) };
  return makeData(props as never) as unknown as Data<T>;
}

/** Booleans packed as Arrow stores them (one bit per row). */
export function booleans(bits: Uint8Array, length: number): Data<Bool> {
  return makeData({ type: new Bool(), length, data: bits.subarray(0, (length + 7) >>> 3), nullCount: 0 });
}

export function strings(values: readonly string[]): Data<Utf8> {
  return vectorFromArray(values, new Utf8()).data[0]!;
}
