// Runs an enforcer's operations one at a time: a batch is built from what the previous one left,
// so an apply must not interleave with a reconcile.

export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
