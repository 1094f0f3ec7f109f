/**
 * A few independent reads at once. DuckDB answers several queries of one process in parallel (one
 * connection each), and while one query runs in DuckDB's threads the JavaScript of another (turning
 * its rows into a verdict) can run: validate's checks were one after another, each waiting for the
 * last. Every task is settled before this returns or throws, so nothing is still reading when the
 * caller closes the warehouse; the first failure (in item order) is thrown.
 */
export async function mapInTurns<T, R>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      try {
        out[k] = { status: 'fulfilled', value: await task(items[k]!, k) };
      } catch (reason) {
        out[k] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return out.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

/** Two independent reads at once, both settled before either's failure is thrown. */
export async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}
