/** Compose durations ("1m30s", "500ms", "2h") as milliseconds; pure. */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(v: string | number | undefined): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v * 1000; // a bare number is seconds
  const text = v.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched += m[0].length;
  }
  if (matched !== text.length) throw new Error(`invalid duration: ${v}`);
  return Math.round(total);
}

/** stop_grace_period as whole seconds (rounded up), or undefined for the default. */
export function stopTimeoutSeconds(v: string | undefined): number | undefined {
  const ms = parseDuration(v);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
