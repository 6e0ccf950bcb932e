/** A typed array holding numbers by index (the analytics module's columns). */
export type Column = Int32Array | Float64Array | Uint8Array;

/** `column` with room for index `i`: itself, or a copy of twice its length when `i` is past its end. */
export function roomFor<T extends Column>(column: T, i: number): T {
  if (i < column.length) return column;
  const next = new (column.constructor as new (n: number) => T)(Math.max(column.length * 2, i + 1));
  next.set(column);
  return next;
}
