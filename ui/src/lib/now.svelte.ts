// The current time for "3 minutes ago", read once a minute while some time is on screen (not per component).

let current = $state(new Date());
let watchers = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** The time now, updated every 30 seconds while a caller watches it. */
export const now = {
  get value(): Date {
    return current;
  },
};

/** Keeps `now` ticking until the returned function is called (use in an `$effect`). */
export function watchNow(): () => void {
  watchers += 1;
  if (watchers === 1) {
    current = new Date();
    timer = setInterval(() => (current = new Date()), 30_000);
  }
  return () => {
    watchers -= 1;
    if (watchers === 0) clearInterval(timer);
  };
}
