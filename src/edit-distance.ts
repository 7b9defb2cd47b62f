// How far apart two words are, to name what was probably meant by a typo:
// an unknown command (src/cli/main.ts), a peer name not found
// (src/daemon/daemon.ts).

/** Levenshtein distance (insertions, deletions, substitutions), a swap of two neighbours counted as one. */
export function editDistance (a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** Whether `typed` is a typo or two away from `word`: at most 2 edits, and fewer than would leave 2 characters of a short word. */
export function isNear (typed: string, word: string): boolean {
  return editDistance(typed, word) <= Math.min(2, word.length - 2)
}
