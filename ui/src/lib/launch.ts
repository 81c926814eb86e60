// The launch benchmark's breakdown (benches/app_launch.sh): when the page's own start-up steps happened, in
// milliseconds since the Unix epoch, sent with the first-screen marker. Recording costs a push; nothing else uses it.

const marks: [string, number][] = [["navigation", performance.timeOrigin]];

export function mark(name: string): void {
  marks.push([name, performance.timeOrigin + performance.now()]);
}

export function launchMarks(): [string, number][] {
  return marks;
}
