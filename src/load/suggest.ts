/**
 * "Did you mean ...?" for a mistyped key: the closest candidate by optimal-string-alignment
 * distance (Levenshtein plus swapping two neighbours, the commonest typo). Case and the
 * `-`/`_` confusion cost nothing extra beyond one edit, so `depends-on` finds `depends_on`.
 */

/** Optimal string alignment distance (restricted Damerau-Levenshtein). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows are enough: the transposition looks two rows back.
  let prev2: number[] = new Array<number>(b.length + 1).fill(0);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur: number[] = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2]! + 1);
      }
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo: at most
 * 2 edits, and fewer edits than half the word's length (so `ab` does not "mean" `cd`).
 * Ties go to the alphabetically first candidate, so the answer is deterministic.
 */
export function suggest(word: string, candidates: string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    // A difference of case only is the closest possible match.
    const d = c.toLowerCase() === lower ? 0.5 : editDistance(lower, c.toLowerCase());
    if (d < bestDist || (d === bestDist && best !== undefined && c < best)) {
      best = c;
      bestDist = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.min(2, Math.ceil(word.length / 2) - 1);
  return bestDist <= Math.max(limit, 0.5) ? best : undefined;
}
