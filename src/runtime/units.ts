/** Compose's byte sizes ("512m", "1g", "1024", "64kb") as numbers of bytes; pure. */
const MULT: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

export function parseBytes(v: string | number | undefined): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) throw new Error(`invalid size: ${v}`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === '' ? 1 : MULT[unit];
  if (mult === undefined) throw new Error(`invalid size unit in ${v}`);
  return Math.round(Number(m[1]) * mult);
}

/** "1.5" CPUs → nano CPUs. */
export function parseCpus(v: string | number | undefined): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`invalid cpus: ${v}`);
  return Math.round(n * 1e9);
}
