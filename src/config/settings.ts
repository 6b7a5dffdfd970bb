// Reading one Java-style setting strictly: a value that is not what the key takes is an error naming the key and
// the value, never a silent fall-back to the default.

/** An integer setting at least `min` (0 unless given), or `dflt` when unset or blank. */
export function intSetting(props: Readonly<Record<string, string | undefined>>, key: string, dflt: number, min = 0): number {
  const raw = props[key];
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${key}=${raw}: expected an integer >= ${min}`);
  return n;
}

/** A boolean setting (true or false, any case, as Java's ConfigDef reads it), or `dflt` when unset or blank. */
export function boolSetting(props: Readonly<Record<string, string | undefined>>, key: string, dflt: boolean): boolean {
  const raw = props[key];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') throw new Error(`${key}=${raw}: expected true or false`);
  return v === 'true';
}
