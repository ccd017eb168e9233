// Searches inside one line of a larger string. A log chunk is one string of about a megabyte, so
// String.prototype.indexOf, which runs on to the end of the string when the needle is absent,
// would cost a megabyte per line: these stop at the line's end.

/** Index of `needle` in s[from..end), or -1. */
export function indexIn(s: string, needle: string, from: number, end: number): number {
  const c0 = needle.charCodeAt(0);
  const last = end - needle.length;
  for (let i = from; i <= last; i++) {
    if (s.charCodeAt(i) === c0 && s.startsWith(needle, i)) return i;
  }
  return -1;
}

/** Index of the character code `c` in s[from..end), or -1. */
export function charIn(s: string, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (s.charCodeAt(i) === c) return i;
  return -1;
}
