/**
 * `work`, or a rejection with `message` once `ms` have passed without it settling. The work is
 * not cancelled, only no longer awaited (its late outcome is dropped); the timer is cleared as
 * soon as either comes, and never keeps the process alive by itself.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
