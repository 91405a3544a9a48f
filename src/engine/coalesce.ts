/**
 * A "kick" for background drainers: any number of calls before the next turn of the event loop cause one
 * run of `work`; nothing runs once `stopped()` is true.
 */
export function coalescedKick(work: () => void, stopped: () => boolean): () => void {
  let scheduled = false;
  return () => {
    if (scheduled || stopped()) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      work();
    });
  };
}
