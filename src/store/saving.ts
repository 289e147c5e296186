/**
 * Recordings this page is still committing after stop() handed their File over (tens of ms). A
 * library read in this page waits for them, so it never sees a recording half-saved.
 */
const pending = new Set<Promise<void>>();

export function trackSave(saving: Promise<unknown>): void {
  const settled: Promise<void> = saving.then(
    () => {},
    () => {},
  );
  pending.add(settled);
  void settled.then(() => pending.delete(settled));
}

/** Settles once every save tracked so far has (whether it succeeded or not). */
export function savesSettled(): Promise<void> {
  return pending.size ? Promise.all(pending).then(() => {}) : Promise.resolve();
}
