// Polling with a deadline, for tests that wait on other processes and the kernel: no fixed sleeps,
// and a timeout that says what was awaited.

type Maybe<T> = T | null | undefined | false;

/** Resolves with the first truthy value of `get`, polled every `everyMs`; throws after `ms`. */
export async function waitFor<T>(what: string, get: () => Maybe<T> | Promise<Maybe<T>>, ms = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
