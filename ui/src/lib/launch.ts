// The launch benchmark's breakdown (benches/app_launch.sh): when the page's own start-up steps happened, in
// milliseconds since the Unix epoch, sent with the first-screen marker. Recording costs a push; nothing else uses it.

const marks: [string, number][] = [["navigation", performance.timeOrigin]];

/** Records `name` now, or at `at` (milliseconds since the epoch) for a step that happened before this script ran. */
export function mark(name: string, at = performance.timeOrigin + performance.now()): void {
  marks.push([name, at]);
}

export function launchMarks(): [string, number][] {
  return marks;
}
